"""A third-party-style check of the sandbox: nothing but httpx and Zoom's documented request
shapes. Run it against a running sandbox:

    python tests/sandbox/thirdparty_check.py http://127.0.0.1:9000

It creates a user, pages through users, turns on Zoom Phone, assigns a calling plan and a
number, removes the plan and checks that the number went with it. Exits non-zero on failure.
"""

from __future__ import annotations

import sys
import time

import httpx


def run(base: str) -> None:
    token = httpx.post(
        f"{base}/oauth/token",
        params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
        auth=("sandbox-client", "sandbox-secret"),
    ).json()["access_token"]
    with httpx.Client(base_url=f"{base}/v2", headers={"Authorization": f"Bearer {token}"}) as z:
        email = f"thirdparty.{int(time.time() * 1000)}@example.com"
        r = z.post(
            "/users",
            json={
                "action": "autoCreate",
                "user_info": {"email": email, "type": 1, "first_name": "Third", "last_name": "P"},
            },
        )
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        seen, page_token = [], ""
        while True:
            page = z.get("/users", params={"page_size": 10, "next_page_token": page_token}).json()
            seen += [u["email"] for u in page["users"]]
            page_token = page["next_page_token"]
            if not page_token:
                break
        assert email in seen and len(seen) == len(set(seen))
        assert z.patch(f"/users/{user_id}", json={"feature": {"zoom_phone": True}}).is_success
        for _ in range(50):  # the phone user appears asynchronously
            if z.get(f"/phone/users/{user_id}").status_code == 200:
                break
            time.sleep(0.1)
        r = z.post(f"/phone/users/{user_id}/calling_plans", json={"calling_plans": [{"type": 200}]})
        assert r.is_success, r.text
        free = z.get("/phone/numbers", params={"type": "unassigned", "site_id": None}).json()
        number = next(n for n in free["phone_numbers"] if n["number"].startswith("+1"))
        r = z.post(
            f"/phone/users/{user_id}/phone_numbers", json={"phone_numbers": [{"id": number["id"]}]}
        )
        assert r.is_success, r.text
        phone = z.get(f"/phone/users/{user_id}").json()
        assert [n["id"] for n in phone["phone_numbers"]] == [number["id"]]
        assert z.delete(f"/phone/users/{user_id}/calling_plans/200").status_code == 204
        phone = z.get(f"/phone/users/{user_id}").json()
        assert phone["phone_numbers"] == [], "removing the calling plan should drop the number"


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9000")
    print("ok")
