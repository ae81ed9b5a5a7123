"""The CamVid training pipeline of bench/data.ts written with PIL + numpy (the reference).

Random rescale of (480, 360) by 0.5-2.0 keeping the ratio, random 360x480 crop with
cat_max_ratio 0.75, horizontal flip p=0.5, mmseg-style photometric distortion (brightness,
contrast, saturation, hue), ImageNet normalisation to float32 CHW.

usage: /usr/bin/python3 data_pipeline.py CAMVID_ROOT IMAGES WORKERS
Prints one JSON line: {"images": n, "seconds": s, "images_per_s": r, "cpu_ms_per_image": c}
(CPU time of this process and its pool workers, which contention on a shared machine inflates less
than wall time).
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
    for _ in range(10):
        top, left = rng.randint(0, max(h - ch, 0)), rng.randint(0, max(w - cw, 0))
        window = lab[top:top + ch, left:left + cw]
        _, counts = np.unique(window[window != IGNORE], return_counts=True)
        if len(counts) > 1 and counts.max() / counts.sum() < 0.75:
            break
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
    return image.shape, int(lab.astype(np.int64).sum() % 7)


def main():
    root, count, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(os.path.join(root, "train.txt")) as f:
        pairs = [line.split() for line in f if line.strip()]
    jobs = [(os.path.join(root, pairs[i % len(pairs)][0]), os.path.join(root, pairs[i % len(pairs)][1]), i) for i in range(count)]
    cpu = os.times()
    start = time.perf_counter()
    if workers > 1:
        with Pool(workers) as pool:
            list(pool.imap(sample, jobs, chunksize=4))
    else:
        for job in jobs:
            sample(job)
    seconds = time.perf_counter() - start
    end = os.times()
    cpu_seconds = sum(end[:4]) - sum(cpu[:4])
    print(json.dumps({"images": count, "seconds": seconds, "images_per_s": count / seconds, "cpu_ms_per_image": 1000 * cpu_seconds / count}))


if __name__ == "__main__":
    main()
