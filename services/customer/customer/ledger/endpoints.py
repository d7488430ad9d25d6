"""HTTP routes of the ledger area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["ledger"])
