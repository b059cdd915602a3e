"""Follow an event's live updates through a proxy, the way a browser does, and check that an
update posted through the same proxy (or through POST_BASE_URL) arrives over the websocket.

    live_client.py BASE_URL CAFILE EVENT_ID BEARER_TOKEN [POST_BASE_URL]

BASE_URL is the proxy's address (https:// checked against CAFILE, or http://; CAFILE is then
ignored). POST_BASE_URL, when given, is where the update is posted (another instance: the update
must cross instances to arrive). Exits non-zero, saying why, on any mismatch.
"""

import asyncio
import json
import ssl
import sys
import urllib.request

import websockets

TIMEOUT = 10


def fail(message):
    sys.exit(f"deploy-check: FAILED: websocket: {message}")


async def receive(socket):
    try:
        frame = await asyncio.wait_for(socket.recv(), TIMEOUT)
    except asyncio.TimeoutError:
        fail(f"nothing arrived within {TIMEOUT} s")
    return json.loads(frame)


async def until(socket, wanted, what):
    """The first frame for which wanted(frame) holds; replayed updates before it are skipped."""
    seen = []
    for _ in range(100):
        frame = await receive(socket)
        if wanted(frame):
            return frame
        seen.append(frame)
    fail(f"no {what} among {seen}")


def post_update(base, context, event_id, token, text):
    body = json.dumps({"kind": "announcement", "audience": "public", "text": text}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/events/{event_id}/updates",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, context=context, timeout=TIMEOUT) as response:
        if response.status != 201:
            fail(f"posting the update answered {response.status}")
        return json.load(response)


async def main(base, cafile, event_id, token, post_base=None):
    https = base.startswith("https://")
    context = ssl.create_default_context(cafile=cafile) if https else None
    url = ("wss://" + base[len("https://"):] if https else "ws://" + base[len("http://"):])
    url += f"/api/v1/events/{event_id}/live"
    try:
        connection = await websockets.connect(url, ssl=context, open_timeout=TIMEOUT)
    except Exception as error:  # the handshake failed: say how, for the CI log
        fail(f"could not open {url}: {error!r}")
    async with connection as socket:
        await socket.send(json.dumps({"type": "hello"}))
        welcome = await receive(socket)
        if welcome.get("type") != "welcome" or "public" not in welcome.get("audiences", []):
            fail(f"expected a welcome to the public audience, got {welcome}")

        # A bad frame gets an error and the connection stays open.
        await socket.send("not json")
        await until(socket, lambda frame: frame.get("type") == "error", "error frame")

        text = "Meet at the north entrance (deploy check)"
        posted = await asyncio.to_thread(
            post_update, post_base or base, context, event_id, token, text
        )
        frame = await until(
            socket,
            lambda frame: frame.get("type") == "update" and frame.get("seq") == posted["seq"],
            f"update {posted['seq']}",
        )
        expected = {"seq": posted["seq"], "kind": "announcement", "audience": "public", "text": text}
        got = {key: frame.get(key) for key in expected}
        if got != expected:
            fail(f"expected {expected}, got {frame}")
    print(f"websocket: welcome, error frame, update seq {posted['seq']} received")


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    asyncio.run(main(*sys.argv[1:]))
