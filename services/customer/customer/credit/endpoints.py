"""HTTP routes of the credit area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["credit"])
