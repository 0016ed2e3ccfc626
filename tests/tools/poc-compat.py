"""The proof of concept's clients against vouch serve, over HTTP, with Python's requests.

Written for vouch's tests (t0640).  What the proof of concept's own tests and
sample client do (DipankarBahirvani/customer-segmentation: tests/test_rest_api.py
with the body of tests/conftest.py, send_request_endpoint.py), done here as
they do it: requests.post(url, json=body), then response.status_code and
response.json() compared with the whole dict, and response.json()["voucher_amount"]
read.  Then the requests and answers other public implementations document
(tests/compat/cases.json).  With --fastapi URL (tests/compat/poc_model.py on
Debian's FastAPI), the 422 bodies of vouch's /voucher_amount are compared
with FastAPI's own for bodies both refuse for the same reasons.

usage: poc-compat.py --vouch URL --cases FILE [--fastapi URL]
Prints one line per failed check and a closing 'N passed, N failed'; exits 1
when a check failed.
"""
import argparse
import copy
import json
import sys

import requests

checks = 0
failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL: " + what, file=sys.stderr)


def post(url, body=None, raw=None, content_type=None):
    if raw is not None:
        return requests.post(url, data=raw.encode(), headers={"Content-Type": content_type or "application/json"}, timeout=10)
    return requests.post(url, json=body, timeout=10)


def proof_of_concept(base):
    # tests/conftest.py's rest_api_input, and tests/test_rest_api.py's two tests.
    rest_api_input = {
        "customer_id": 1,
        "country_code": "Peru",
        "first_order_ts": "2022-01-04 00:00:00",
        "last_order_ts": "2022-01-04 00:00:00",
        "total_order": 100,
        "segment_name": "frequent_segment",
    }
    response = post(base + "/voucher_amount", rest_api_input)
    check(response.status_code == 200, f"test_frequent_segment: status {response.status_code} {response.text}")
    check(response.json() == {"voucher_amount": 2640}, f"test_frequent_segment: {response.text}")
    # FastAPI's JSONResponse writes compact JSON; so does vouch, byte for byte.
    check(response.content == b'{"voucher_amount":2640}', f"the body's bytes: {response.content!r}")
    check(response.headers.get("content-type") == "application/json",
          f"Content-Type {response.headers.get('content-type')}")
    body = copy.deepcopy(rest_api_input)
    body["segment_name"] = "recency_segment"
    response = post(base + "/voucher_amount", body)
    check(response.status_code == 200, f"test_recency_segment: status {response.status_code} {response.text}")
    check(response.json() == {"voucher_amount": 2640}, f"test_recency_segment: {response.text}")

    # send_request_endpoint.py: prints response.text for each segment; a client reads ["voucher_amount"].
    data = {
        "customer_id": 1,
        "country_code": "Peru",
        "first_order_ts": "2018-01-04 00:00:00",
        "last_order_ts": "2021-01-04 00:00:00",
        "total_order": 100,
        "segment_name": "recency_segment",
    }
    for segment in ("recency_segment", "frequent_segment"):
        data["segment_name"] = segment
        response = requests.post(base + "/voucher_amount", json=data, timeout=10)
        check(response.ok and response.json()["voucher_amount"] == 2640,
              f"send_request_endpoint.py ({segment}): {response.status_code} {response.text}")

    # A trailing slash is redirected as FastAPI does; requests follows a 307 with the body.
    response = requests.post(base + "/voucher_amount/", json=rest_api_input, timeout=10)
    check(response.status_code == 200 and response.json() == {"voucher_amount": 2640},
          f"POST /voucher_amount/: {response.status_code} {response.text}")
    check([r.status_code for r in response.history] == [307], f"redirects {response.history}")


def implementations(base, cases):
    for case in cases:
        where = f"{case['source']}: POST {case['path']}"
        response = post(base + case["path"], case.get("body"), case.get("raw"), case.get("content_type"))
        want = case["expect"]
        check(response.status_code == want["status"],
              f"{where}: status {response.status_code}, expected {want['status']}: {response.text}")
        try:
            got = response.json()
        except ValueError:
            check(False, f"{where}: not JSON: {response.text!r}")
            continue
        if "exact" in want:
            check(got == want["exact"], f"{where}: {got}, expected {want['exact']}")
        if "voucher_amount" in want:
            check(got.get("voucher_amount") == want["voucher_amount"], f"{where}: {got}")
        for key in ("bucket", "fallback"):
            if key in want:
                check(got.get(key) == want[key], f"{where}: {key} {got.get(key)!r}, expected {want[key]!r}")
        if "code" in want:
            error = got.get("error") or {}
            check(error.get("code") == want["code"], f"{where}: {got}")
            if "field" in want:
                check(error.get("field") == want["field"], f"{where}: field {error.get('field')}")
        if "detail" in want:
            check(list(got) == ["detail"] and isinstance(got["detail"], str), f"{where}: {got}")
        # The challenge's customers are echoed on vouch's route.
        if case["path"] == "/voucher" and response.status_code == 200 and "body" in case:
            check(got.get("customer_id") == case["body"]["customer_id"], f"{where}: customer_id {got}")


# Bodies that vouch and the proof of concept refuse for the same reasons:
# FastAPI's 422 must be vouch's, item for item (FastAPI's ctx.doc, the whole
# body echoed, is left out by vouch and ignored here).
VALID = {"customer_id": 1, "country_code": "Peru", "first_order_ts": "2018-01-04 00:00:00",
         "last_order_ts": "2018-05-03 00:00:00", "total_order": 5, "segment_name": "frequent_segment"}
SAME_422 = [
    ("empty body", None, ""),
    ("not JSON", None, "{bad"),
    ("missing ':'", None, '{"a":1,\n"b" 2}'),
    ("trailing comma", None, '{"customer_id": 1,}'),
    ("leading zero", None, '{"customer_id":01}'),
    ("point without digits", None, '{"total_order":5.}'),
    ("extra data", None, '{"a":1} x'),
    ("unterminated string", None, '{"a":"abc'),
    ("control character", None, '{"a":"\x01"}'),
    ("bad escape", None, '{"a":"\\x"}'),
    ("a literal cut short", None, "nul"),
    ("white space only", None, " "),
    ("an array", None, "[1]"),
    ("a string", None, '"text"'),
    ("every field of the wrong type", {"customer_id": [], "country_code": [], "first_order_ts": "bad",
                                       "last_order_ts": "bad", "total_order": "abc", "segment_name": {}}, None),
    ("customer_id missing", {k: v for k, v in VALID.items() if k != "customer_id"}, None),
    ("country_code and segment_name missing",
     {k: v for k, v in VALID.items() if k not in ("country_code", "segment_name")}, None),
    ("total_order not a number", dict(VALID, total_order="five"), None),
    ("first_order_ts not a timestamp", dict(VALID, first_order_ts="yesterday"), None),
    ("segment_name a list", dict(VALID, segment_name=["frequent_segment"]), None),
    ("country_code an object", dict(VALID, country_code={"name": "Peru"}), None),
    ("customer_id an object", dict(VALID, customer_id={"id": 1}), None),
]
# Where the two differ on purpose (docs/MIGRATION.md): total_order 0 or -3 (vouch
# takes 0, so -3 is 'greater than or equal to 0', not 'greater than 0'); numbers
# or booleans where a string is wanted (pydantic 1.x turns 7 into "7"); strings
# where an integer is wanted ("5" is taken by both, "abc" as customer_id only by
# vouch); fields the segment does not need (vouch does not require them).


def strip_doc(detail):
    out = copy.deepcopy(detail)
    for item in out.get("detail", []) if isinstance(out.get("detail"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("ctx"), dict):
            item["ctx"].pop("doc", None)
    return out


def against_fastapi(base, fastapi):
    for what, body, raw in SAME_422:
        ours = post(base + "/voucher_amount", body, raw)
        theirs = post(fastapi + "/voucher_amount", body, raw)
        check(theirs.status_code == 422, f"FastAPI answered {what} with {theirs.status_code}: {theirs.text}")
        check(ours.status_code == 422, f"vouch answered {what} with {ours.status_code}: {ours.text}")
        try:
            mine, ref = ours.json(), strip_doc(theirs.json())
        except ValueError:
            check(False, f"{what}: not JSON")
            continue
        check(mine == ref, f"{what}:\n  vouch   {json.dumps(mine)}\n  FastAPI {json.dumps(ref)}")
    # 405 and 404 of paths outside the route keep FastAPI's status
    ours = requests.get(base + "/voucher_amount", timeout=10)
    theirs = requests.get(fastapi + "/voucher_amount", timeout=10)
    check(ours.status_code == theirs.status_code == 405 and ours.json() == theirs.json(),
          f"GET /voucher_amount: vouch {ours.status_code} {ours.text}, FastAPI {theirs.status_code} {theirs.text}")
    check(ours.headers.get("allow") == theirs.headers.get("allow"), "Allow header")
    ours = requests.post(base + "/voucher_amount/", json=VALID, allow_redirects=False, timeout=10)
    theirs = requests.post(fastapi + "/voucher_amount/", json=VALID, allow_redirects=False, timeout=10)
    check(ours.status_code == theirs.status_code == 307, f"POST /voucher_amount/: {ours.status_code} {theirs.status_code}")
    check(theirs.headers.get("location", "").endswith(ours.headers.get("location", "?")),
          f"Location: vouch {ours.headers.get('location')}, FastAPI {theirs.headers.get('location')}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vouch", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--fastapi")
    args = ap.parse_args()
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    proof_of_concept(args.vouch)
    implementations(args.vouch, cases)
    if args.fastapi:
        against_fastapi(args.vouch, args.fastapi)
    print(f"poc-compat: {checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
