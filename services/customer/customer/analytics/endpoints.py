"""HTTP routes of the analytics area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["analytics"])
