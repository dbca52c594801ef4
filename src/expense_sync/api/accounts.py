"""Accounts and Bank accounts (Codat tags): create them in the books; their create models."""

from __future__ import annotations

from fastapi import APIRouter

from expense_sync.api.dependencies import CompanySlot
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.push_routes import add_push_routes

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])

add_push_routes(
    router,
    segment="accounts",
    data_type="chartOfAccounts",
    tag="Accounts",
    create_id="create-account",
    create_model_id="get-create-chartOfAccounts-model",
)
add_push_routes(
    router,
    segment="bankAccounts",
    data_type="bankAccounts",
    tag="Bank accounts",
    create_id="create-bank-account",
    create_model_id="get-create-bankAccounts-model",
)
