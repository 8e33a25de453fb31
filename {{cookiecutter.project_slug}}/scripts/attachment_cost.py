"""What one image adds to a turn: turns with a 1 MB image against turns without, same server.

The backend serves as users run it, against the fake provider; each round runs one new thread
without an attachment, uploads an image (timed apart), then runs one new thread with it. The
medians and their ratio are printed.

    .venv/bin/python scripts/attachment_cost.py              # 20 rounds, about half a minute
    .venv/bin/python scripts/attachment_cost.py --rounds 5 --image-bytes 200000
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from benchmark import MESSAGE, chatkit_request, environment, fake_provider, serve, user_input

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def turn(http: httpx.AsyncClient, attachment_ids: list[str]) -> float:
    """Seconds for one new thread's turn, to the end of its stream."""
    message = {**user_input(MESSAGE), "attachments": attachment_ids}
    started = time.perf_counter()
    response = await http.post("/chatkit", json=chatkit_request("threads.create", input=message))
    if response.status_code != 200 or '"type":"error"' in response.text:
        raise RuntimeError(f"the turn failed: {response.text[-500:]}")
    return time.perf_counter() - started


async def upload(http: httpx.AsyncClient, size: int) -> tuple[str, float]:
    """A new image attachment of `size` bytes, uploaded; its id and the seconds it took."""
    image = PNG_SIGNATURE + os.urandom(size - len(PNG_SIGNATURE))
    started = time.perf_counter()
    created = await http.post(
        "/chatkit",
        json=chatkit_request(
            "attachments.create", name="photo.png", size=size, mime_type="image/png"
        ),
    )
    attachment = created.raise_for_status().json()
    (await http.post(attachment["upload_descriptor"]["url"], content=image)).raise_for_status()
    return attachment["id"], time.perf_counter() - started


async def measure(url: str, rounds: int, size: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await turn(http, [])  # warm-up: imports and connections
        await turn(http, [(await upload(http, size))[0]])
        plain, with_image, uploads = [], [], []
        for _ in range(rounds):
            plain.append(await turn(http, []))
            attachment_id, upload_s = await upload(http, size)
            uploads.append(upload_s)
            with_image.append(await turn(http, [attachment_id]))
    return {
        "turn_ms": statistics.median(plain) * 1000,
        "turn_with_image_ms": statistics.median(with_image) * 1000,
        "upload_ms": statistics.median(uploads) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--image-bytes", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        with fake_provider(16, 0.0, work / "provider.log") as (provider_url, _):
            env = environment(provider_url, work)
            command = ["main:app", "--app-dir", "backend"]
            with serve(command, env, work / "backend.log") as server:
                figures = asyncio.run(measure(server.url, args.rounds, args.image_bytes))
    plain, with_image = figures["turn_ms"], figures["turn_with_image_ms"]
    print(f"turn without an attachment   {plain:8.1f} ms (median of {args.rounds})")
    print(f"turn with one image          {with_image:8.1f} ms ({args.image_bytes:,} bytes)")
    print(
        f"added by the image           {with_image - plain:8.1f} ms, ratio {with_image / plain:.2f}"
    )
    print(f"attachments.create + upload  {figures['upload_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
