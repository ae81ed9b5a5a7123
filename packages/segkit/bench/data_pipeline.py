"""The CamVid training pipeline of bench/data.ts written with PIL + numpy (the reference).

Random rescale of (480, 360) by 0.5-2.0 keeping the ratio, random 360x480 crop with
cat_max_ratio 0.75 (mmseg's rule: up to 10 retries of windows with fewer than two classes or a
dominant one), horizontal flip p=0.5, mmseg-style photometric distortion (brightness, contrast,
saturation, hue), ImageNet normalisation to float32 CHW.

usage: /usr/bin/python3 data_pipeline.py CAMVID_ROOT WORKERS
Starts a pool of WORKERS processes (WORKERS=1: in this process), prints "ready", then answers each
request line "COUNT SEED" with one JSON line: {"images", "seconds", "images_per_s",
"cpu_ms_per_image" (CPU time of the pool's worker processes and of this process), "mean" (mean of all output
pixel values), "labels_ok" (every label in 0..11)}. It stays up between requests so that rounds can
alternate with the TypeScript side and both run warm.
"""
import json
import os
import random
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)
CROP = (360, 480)
IGNORE = 11


def rescale(img, lab, rng):
    ratio = rng.uniform(0.5, 2.0)
    w, h = img.size
    factor = min(480 * ratio / max(w, h), 360 * ratio / min(w, h))
    size = (int(w * factor + 0.5), int(h * factor + 0.5))
    return img.resize(size, Image.BILINEAR), lab.resize(size, Image.NEAREST)


def crop(img, lab, rng):
    h, w = lab.shape
    ch, cw = CROP

    def place():
        return rng.randint(0, max(h - ch, 0)), rng.randint(0, max(w - cw, 0))

    # mmseg's RandomCrop: a window, then up to 10 new ones while it holds fewer than two classes or
    # a dominant one; the last drawn is kept unchecked (as bench/data.ts's random_crop does)
    top, left = place()
    for _ in range(10):
        window = lab[top:top + ch, left:left + cw]
        _, counts = np.unique(window[window != IGNORE], return_counts=True)
        if len(counts) > 1 and counts.max() / counts.sum() < 0.75:
            break
        top, left = place()
    img, lab = img[top:top + ch, left:left + cw], lab[top:top + ch, left:left + cw]
    if img.shape[:2] != CROP:  # pad to the crop size
        pad = ((0, ch - img.shape[0]), (0, cw - img.shape[1]))
        img = np.pad(img, pad + ((0, 0),))
        lab = np.pad(lab, pad, constant_values=IGNORE)
    return img, lab


def photometric(img, rng):
    img = img.astype(np.float32)
    if rng.random() < 0.5:
        img = np.clip(img + rng.uniform(-32, 32), 0, 255)
    contrast_first = rng.random() < 0.5
    factor = rng.uniform(0.5, 1.5) if rng.random() < 0.5 else 1.0
    if contrast_first:
        img = np.clip(img * factor, 0, 255)
    sat = rng.uniform(0.5, 1.5) if rng.random() < 0.5 else 1.0
    hue = rng.randint(-18, 18) if rng.random() < 0.5 else 0
    if sat != 1.0 or hue != 0:
        hsv = np.array(Image.fromarray(img.astype(np.uint8)).convert("HSV")).astype(np.float32)
        hsv[..., 1] = np.clip(hsv[..., 1] * sat, 0, 255)
        hsv[..., 0] = (hsv[..., 0] + hue * 256 / 180) % 256
        img = np.array(Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")).astype(np.float32)
    if not contrast_first:
        img = np.clip(img * factor, 0, 255)
    return img


def sample(args):
    image_file, label_file, seed = args
    rng = random.Random(seed)
    img, lab = rescale(Image.open(image_file).convert("RGB"), Image.open(label_file), rng)
    img, lab = crop(np.asarray(img), np.asarray(lab), rng)
    if rng.random() < 0.5:
        img, lab = img[:, ::-1], lab[:, ::-1]
    img = photometric(img, rng)
    image = np.ascontiguousarray(((img - MEAN) / STD).transpose(2, 0, 1))
    assert image.shape == (3,) + CROP, image.shape
    labels_ok = bool(lab.max() <= IGNORE)
    return float(image.mean()), labels_ok


def workers_cpu_seconds(pool):
    """User + system CPU seconds the pool's worker processes have used, from /proc: the tasks and
    the pool's own work in them (unpickling jobs, pickling results), as the loader's CPU time
    counts its worker threads whole."""
    total = 0
    for worker in pool._pool:
        with open(f"/proc/{worker.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def main():
    root, workers = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(root, "train.txt")) as f:
        pairs = [line.split() for line in f if line.strip()]
    pool = Pool(workers) if workers > 1 else None
    print("ready", flush=True)
    for line in sys.stdin:
        count, seed = map(int, line.split())
        # a random draw of images, as a shuffled loader makes (CamVid's sequences differ in brightness)
        picks = random.Random(seed).sample(range(len(pairs)), count)
        jobs = [(os.path.join(root, pairs[p][0]), os.path.join(root, pairs[p][1]), seed * 100003 + i) for i, p in enumerate(picks)]
        own_cpu = time.process_time()
        pool_cpu = workers_cpu_seconds(pool) if pool else 0.0
        start = time.perf_counter()
        results = list(pool.imap(sample, jobs, chunksize=4)) if pool else [sample(job) for job in jobs]
        seconds = time.perf_counter() - start
        own_cpu = time.process_time() - own_cpu
        pool_cpu = workers_cpu_seconds(pool) - pool_cpu if pool else 0.0
        print(json.dumps({"images": count, "seconds": seconds, "images_per_s": count / seconds,
                          "cpu_ms_per_image": 1000 * (own_cpu + pool_cpu) / count,
                          "mean": sum(r[0] for r in results) / count, "labels_ok": all(r[1] for r in results)}), flush=True)
    if pool:
        pool.close()
        pool.join()


if __name__ == "__main__":
    main()
