#!/usr/bin/env python3
"""Contact sheets for the hand-labelled video frames (issue #22, item 4).

The labels live in ``test/fixtures/frame-labels.json``. This script re-extracts
exactly the frames listed there (accurate seek: ``ffmpeg -ss T -i clip
-frames:v 1``), crops them around the face with the fixed per-clip box below,
and tiles them 3x3 into PNG sheets, each tile stamped with a code. Another
annotator can view the sheets and re-check the labels without ever running an
estimator. It also prints the per-AU count table of the fixture.

Usage (needs ffmpeg on PATH and Pillow; the system python has it):

    python3 training/scripts/frame_sheets.py counts
    python3 training/scripts/frame_sheets.py sheets [--clip NAME] [--out DIR]
    python3 training/scripts/frame_sheets.py grid NAME [--out DIR]
    python3 training/scripts/frame_sheets.py stills [--out DIR]

``sheets`` writes the labelled frames of the fixture plus ``index.txt`` (code,
clip, time, labels) so the sheets can be viewed blind and compared afterwards.
``grid`` writes the sampling grid of a clip (t = 0, step, 2*step, ... up to
duration - 0.1 s) whether or not it is labelled yet: that is how the frames
were first shown to the annotator. ``stills`` cuts the photo faces of
``test/fixtures/real-faces.json`` that the fixture's ``stills`` name (or, before
any are labelled, the ``sample*``, ``samples-*``, astronaut, messi5 and camera
faces) from their source photos, with the detector box widened by 40 %. Images go to ``.scratch/`` by default, which
is git-ignored: never commit frames of these clips.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "test" / "fixtures" / "frame-labels.json"
MEDIA = Path(os.environ.get("AUPIPE_MEDIA", ROOT.parent / "shared" / "media"))
if not MEDIA.exists():
    MEDIA = Path("/work/shared/media")

TILE = 360  # 3x3 tiles -> 1080 px sheet: fits an image viewer without downscaling
COLS = 3
ROWS = 3

# Fixed crop box (x, y, w, h) in source pixels around where the face is in the
# clip, chosen by looking at frames; None keeps the whole (square) frame.
CLIPS: dict[str, dict] = {
    "expressive_brows_mouth.mp4": {"code": "EBM", "crop": (56, 70, 400, 400)},
    "head_tilts_surprise.mp4": {"code": "HTS", "crop": (16, 40, 472, 472)},
    "eyes_winks_gaze.mp4": {"code": "EWG", "crop": (56, 100, 400, 400)},
    "mouth_wide_open.mp4": {"code": "MWO", "crop": None},
    "subtle_expressions_glasses.mp4": {"code": "SEG", "crop": (20, 40, 440, 440)},
    "looking_around.mp4": {"code": "LKA", "crop": (650, 0, 520, 520)},
    "grid_talking_1.mpg": {"code": "GT1", "crop": (55, 55, 210, 210)},
    "grid_talking_2.mpg": {"code": "GT2", "crop": (60, 70, 215, 215)},
    "single_face.mp4": {"code": "SFC", "crop": (170, 40, 240, 240)},
    "eyes_moving.mp4": {"code": "EMV", "crop": (66, 50, 400, 400)},
    "webcam_talking_1.mp4": {"code": "WT1", "crop": (115, 65, 190, 190)},
    "webcam_talking_2.mp4": {"code": "WT2", "crop": (110, 70, 190, 190)},
}


def probe_duration(clip: str) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(MEDIA / clip)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


def sample_times(duration: float, step: float) -> list[float]:
    times: list[float] = []
    k = 0
    while k * step <= duration - 0.1 + 1e-9:
        times.append(round(k * step, 3))
        k += 1
    return times


def extract(clip: str, t: float, dest: Path) -> None:
    spec = CLIPS[clip]
    vf = []
    if spec["crop"] is not None:
        x, y, w, h = spec["crop"]
        vf.append(f"crop={w}:{h}:{x}:{y}")
    vf.append(f"scale={TILE}:{TILE}:force_original_aspect_ratio=decrease,pad={TILE}:{TILE}:(ow-iw)/2:(oh-ih)/2")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", f"{t:.3f}", "-i", str(MEDIA / clip), "-frames:v", "1", "-vf", ",".join(vf), str(dest)],
        check=True,
    )


def stamp(img, text: str):
    from PIL import ImageDraw, ImageFont

    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 18)
    except OSError:
        font = ImageFont.load_default()
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 9 * len(text) + 14, 24], fill=(0, 0, 0))
    d.text((4, 2), text, fill=(255, 255, 0), font=font)
    return img


def write_sheets(items: list[tuple[str, str, float]], out: Path, prefix: str) -> list[Path]:
    """items: (code, clip, t). Writes 3x3 sheets; returns their paths."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    per = COLS * ROWS
    with tempfile.TemporaryDirectory() as tmp:
        for s in range(0, len(items), per):
            sheet = Image.new("RGB", (COLS * TILE, ROWS * TILE), (255, 255, 255))
            for i, (code, clip, t) in enumerate(items[s : s + per]):
                f = Path(tmp) / f"{i}.png"
                extract(clip, t, f)
                tile = stamp(Image.open(f).convert("RGB"), code)
                sheet.paste(tile, ((i % COLS) * TILE, (i // COLS) * TILE))
            p = out / f"{prefix}_{s // per:02d}.png"
            sheet.save(p)
            paths.append(p)
    return paths


REAL_FACES = ROOT / "test" / "fixtures" / "real-faces.json"
STILL_PREFIXES = ("sample", "astronaut-", "messi5-", "camera-")


def still_faces(fx: dict | None) -> list[dict]:
    faces = json.loads(REAL_FACES.read_text())["faces"]
    wanted = [s["face"] for s in (fx or {}).get("stills", [])]
    if wanted:
        by_id = {f["id"]: f for f in faces}
        return [by_id[w] for w in wanted]
    return [f for f in faces if f["id"].startswith(STILL_PREFIXES)]


def write_still_sheets(faces: list[dict], out: Path) -> list[Path]:
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    per = COLS * ROWS
    for s in range(0, len(faces), per):
        sheet = Image.new("RGB", (COLS * TILE, ROWS * TILE), (255, 255, 255))
        for i, f in enumerate(faces[s : s + per]):
            src = Path(f["image"])
            src = src if src.is_absolute() else ROOT / src
            im = Image.open(src).convert("RGB")
            x, y, w, h = f["box"]
            m = 0.4
            cx, cy, side = x + w / 2, y + h / 2, max(w, h) * (1 + m)
            box = (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))
            tile = stamp(im.crop(box).resize((TILE, TILE), Image.LANCZOS), f["id"])
            sheet.paste(tile, ((i % COLS) * TILE, (i // COLS) * TILE))
        p = out / f"stills_{s // per:02d}.png"
        sheet.save(p)
        paths.append(p)
    return paths


def load_fixture() -> dict:
    return json.loads(FIXTURE.read_text())


KEYS = ["AU1", "AU2", "AU4", "AU5", "AU6", "AU9", "AU12", "AU15", "AU17", "AU20", "AU25", "AU26", "eyesClosed"]


def counts(fx: dict) -> str:
    rows = [f"{'key':<11}{'frames 1':>9}{'frames 0':>9}{'persons 1':>10}{'persons 0':>10}{'stills 1':>9}{'stills 0':>9}"]
    for k in KEYS:
        f1 = [f for f in fx["frames"] if f["labels"].get(k) == 1]
        f0 = [f for f in fx["frames"] if f["labels"].get(k) == 0]
        s1 = [s for s in fx.get("stills", []) if s["labels"].get(k) == 1]
        s0 = [s for s in fx.get("stills", []) if s["labels"].get(k) == 0]
        p1 = {f["person"] for f in f1}
        p0 = {f["person"] for f in f0}
        rows.append(f"{k:<11}{len(f1):>9}{len(f0):>9}{len(p1):>10}{len(p0):>10}{len(s1):>9}{len(s0):>9}")
    empty = sum(1 for f in fx["frames"] if not f["labels"])
    rows.append(f"frames: {len(fx['frames'])} ({empty} with no labels), stills: {len(fx.get('stills', []))}, persons: {len(fx['persons'])}")
    rows.append("persons columns: distinct persons over the video frames (each still is its own subject)")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("counts")
    sp = sub.add_parser("sheets")
    sp.add_argument("--clip")
    sp.add_argument("--out", default=str(ROOT / ".scratch" / "check"))
    sp.add_argument("--shuffle", type=int, metavar="SEED", help="blind re-check: a random sample, anonymous codes")
    sp.add_argument("-n", type=int, default=36, help="how many frames with --shuffle")
    gp = sub.add_parser("grid")
    gp.add_argument("clip")
    gp.add_argument("--step", type=float)
    gp.add_argument("--out", default=str(ROOT / ".scratch" / "grid"))
    tp = sub.add_parser("stills")
    tp.add_argument("--out", default=str(ROOT / ".scratch" / "stills"))
    a = ap.parse_args()

    if a.cmd == "stills":
        fx = load_fixture() if FIXTURE.exists() else None
        faces = still_faces(fx)
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        labels = {st["face"]: st["labels"] for st in (fx or {}).get("stills", [])}
        with open(out / "index.txt", "w") as idx:
            for f in faces:
                idx.write(f"{f['id']}\t{f['image']}\t{f['box']}\t{json.dumps(labels.get(f['id'], {}))}\n")
        for p in write_still_sheets(faces, out):
            print(p)
        return 0

    if a.cmd == "counts":
        print(counts(load_fixture()))
        return 0
    if a.cmd == "grid":
        fx = load_fixture() if FIXTURE.exists() else {"clips": {}}
        step = a.step or fx["clips"].get(a.clip, {}).get("step")
        if step is None:
            print("give --step for a clip not in the fixture", file=sys.stderr)
            return 2
        code = CLIPS[a.clip]["code"]
        items = [(f"{code} {t:.2f}", a.clip, t) for t in sample_times(probe_duration(a.clip), step)]
        for p in write_sheets(items, Path(a.out), code):
            print(p)
        return 0
    fx = load_fixture()
    frames = [f for f in fx["frames"] if a.clip is None or f["clip"] == a.clip]
    if a.shuffle is not None:
        # Blind re-check: the tiles carry only R001, R002, ...; which frame each is, and its
        # labels, are in index.txt, to be opened only after the frames are labelled again.
        import random

        frames = random.Random(a.shuffle).sample([f for f in frames if f["labels"]], min(a.n, len(frames)))
        items = [(f"R{i + 1:03d}", f["clip"], f["t"]) for i, f in enumerate(frames)]
    else:
        items = [(f"{CLIPS[f['clip']]['code']} {f['t']:.2f}", f["clip"], f["t"]) for f in frames]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "index.txt", "w") as idx:
        for (code, clip, t), f in zip(items, frames):
            idx.write(f"{code}\t{clip}\t{t}\t{json.dumps(f['labels'])}\t{f.get('note', '')}\n")
    for p in write_sheets(items, out, "labelled"):
        print(p)
    print(counts(fx))
    return 0


if __name__ == "__main__":
    sys.exit(main())
