"""HTTP routes of the classification area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["classification"])
