# A Standard Webhooks receiver's check of a faceattend delivery (the README's example; the
# connectors' webhook tests run it against real deliveries).
import base64, hashlib, hmac, time

def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    """True if the request is faceattend's: any v1 signature matches, and it is recent."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > tolerance:
        return False  # too old (a replay) or from the future
    signed = f"{msg_id}.{ts}.".encode() + body  # the raw body, exactly as received
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, sig[3:])
               for sig in headers["webhook-signature"].split() if sig.startswith("v1,"))
