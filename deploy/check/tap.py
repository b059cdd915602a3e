"""A TCP relay between a proxy and Umbrella that writes down everything the proxy sends upstream,
so the check can see which headers the proxy passes on (no client address, none made up).

    tap.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT CAPTURE_FILE
"""

import asyncio
import sys


async def pipe(reader, writer, capture=None):
    try:
        while data := await reader.read(65536):
            if capture is not None:
                capture.write(data)
                capture.flush()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(listen_host, listen_port, target_host, target_port, capture_path):
    capture = open(capture_path, "ab")

    async def relay(client_reader, client_writer):
        try:
            # From the listening address, so that the server sees this relay (the trusted proxy)
            # as the peer, as it would see nginx or Caddy.
            upstream_reader, upstream_writer = await asyncio.open_connection(
                target_host, int(target_port), local_addr=(listen_host, 0)
            )
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, upstream_writer, capture),
            pipe(upstream_reader, client_writer),
        )

    server = await asyncio.start_server(relay, listen_host, int(listen_port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    asyncio.run(main(*sys.argv[1:]))
