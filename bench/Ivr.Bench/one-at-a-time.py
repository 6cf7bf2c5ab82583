"""Times each answer to new-call webhooks sent one at a time on one kept-alive connection.

wrk corrects its latencies for coordinated omission; this client reports the time of each request it sent, as a
caller's single webhook sees it. Every request is a new call's first webhook, signed as Twilio signs it.

    python3 one-at-a-time.py URL [SECONDS] [PATH] [AUTH_TOKEN]

URL is the server's base address (the bench's "listening" line); PATH defaults to /voice/incoming (the baseline's
is /bench/baseline); AUTH_TOKEN to the local simulator's.
"""
import base64
import hashlib
import hmac
import http.client
import random
import sys
import time
import urllib.parse

base = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
path = sys.argv[3] if len(sys.argv) > 3 else "/voice/incoming"
token = (sys.argv[4] if len(sys.argv) > 4 else "local-simulator-auth-token").encode()

address = urllib.parse.urlparse(base)
connection = http.client.HTTPConnection(address.hostname, address.port)
url = base + path
times = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    call_sid = "CA%032x" % random.getrandbits(128)
    form = {"CallSid": call_sid, "From": "+48600%06d" % random.randint(0, 999999), "To": "+48221234567",
            "CallStatus": "ringing", "AccountSid": "AC" + "0" * 32}
    signed = url + "".join(key + form[key] for key in sorted(form))
    signature = base64.b64encode(hmac.new(token, signed.encode(), hashlib.sha1).digest()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
               "I-Twilio-Idempotency-Token": "idem-" + call_sid}
    started = time.perf_counter()
    connection.request("POST", path, urllib.parse.urlencode(form), headers)
    response = connection.getresponse()
    response.read()
    times.append((time.perf_counter() - started) * 1000)
    if response.status != 200:
        sys.exit(f"answer {response.status} to {call_sid}")

times.sort()


def percentile(p):
    return times[min(len(times) - 1, int(len(times) * p / 100))]


print(f"requests {len(times)} mean {sum(times) / len(times):.2f} ms p50 {percentile(50):.2f} p90 {percentile(90):.2f} "
      f"p99 {percentile(99):.2f} p99.9 {percentile(99.9):.2f} max {times[-1]:.1f}")
