"""The proof of concept's request model on Debian's FastAPI, for comparing error bodies.

Written for vouch's tests (not the proof of concept's code): a FastAPI app whose
POST /voucher_amount declares the request fields exactly as the proof of concept's
api/main.py publishes them (customer_id: int, country_code: str, first_order_ts and
last_order_ts: datetime, total_order: PositiveInt, segment_name: str) and answers a
fixed 200, so that FastAPI and pydantic 1.x (python3-fastapi, python3-pydantic) write
the 422 bodies that vouch's /voucher_amount must mirror.

run: /usr/bin/python3 -m uvicorn poc_model:app --app-dir DIR --host 127.0.0.1 --port PORT
"""
from datetime import datetime

from fastapi import FastAPI
from pydantic import BaseModel, PositiveInt


class Customer(BaseModel):
    customer_id: int
    country_code: str
    first_order_ts: datetime
    last_order_ts: datetime
    total_order: PositiveInt
    segment_name: str


app = FastAPI()


@app.post("/voucher_amount")
def voucher_amount(customer: Customer) -> dict:
    return {"voucher_amount": 2640}
