"""Sample media files under testdata/media/ (written by write_media) and the reference decoders the
goldens use (read_image, read_audio), which decode as Ludwig's predict path does:

- read_image: torchvision.io.decode_image(..., ImageReadMode.UNCHANGED) for PNG and JPEG, exactly
  Ludwig's read_image; torchvision 0.14 decodes nothing else, so BMP, GIF and TIFF go through PIL with
  the same "unchanged" rule (L -> 1 channel, LA -> 2, RGB -> 3, RGBA -> 4, palette -> RGB, or RGBA
  with transparency, GIF's first frame -> RGB). Palette PNGs also go through PIL: torchvision 0.14
  returns their packed palette indices as one channel (a bug later versions fixed by expanding the
  palette), which no model should depend on.
- read_audio: torchaudio.load (sox_io backend, normalize=True), exactly Ludwig's read_audio_from_path.

Values are file paths relative to testdata/ or data: URIs (data_uri makes one from a media file).
"""
import base64
import io
import math
import os
import struct
import wave

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # testdata/
MEDIA = os.path.join(HERE, "media")


def _bytes(value: str) -> bytes:
    if value.startswith("data:"):
        meta, data = value[5:].split(",", 1)
        assert meta.endswith(";base64"), meta
        return base64.b64decode(data)
    with open(os.path.join(HERE, value), "rb") as f:
        return f.read()


def data_uri(rel: str, mime: str) -> str:
    with open(os.path.join(HERE, rel), "rb") as f:
        return f"data:{mime};base64," + base64.b64encode(f.read()).decode("ascii")


def read_image(value: str) -> torch.Tensor:
    b = _bytes(value)
    if b[:6] == b"\x93NUMPY":
        # Ludwig's read_image_as_numpy: torch.from_numpy(np.load(...)). The runtime passes
        # contiguous tensors in the machine's byte order (torch.from_numpy refuses big-endian).
        a = np.load(io.BytesIO(b))
        return torch.from_numpy(np.ascontiguousarray(a.astype(a.dtype.newbyteorder("="))))
    palette_png = b[:8] == b"\x89PNG\r\n\x1a\n" and b[25] == 3
    if (b[:8] == b"\x89PNG\r\n\x1a\n" and not palette_png) or b[:3] == b"\xff\xd8\xff":
        from torchvision.io import ImageReadMode, decode_image

        img = decode_image(torch.frombuffer(bytearray(b), dtype=torch.uint8), mode=ImageReadMode.UNCHANGED)
        # decode_image returns a permuted HWC buffer (channels-last strides); torch's bilinear resize
        # takes another kernel for that layout and can round a few pixels one level differently.
        # The runtime passes contiguous [C,H,W] tensors, so the goldens use contiguous ones too.
        return img.contiguous()
    from PIL import Image

    im = Image.open(io.BytesIO(b))
    im.seek(0)
    if im.mode == "P" and "transparency" in im.info and im.format == "PNG":
        im = im.convert("RGBA")
    elif im.mode not in ("L", "LA", "RGB", "RGBA"):
        im = im.convert("RGB")
    a = np.asarray(im, dtype=np.uint8)
    if a.ndim == 2:
        a = a[:, :, None]
    return torch.from_numpy(a.transpose(2, 0, 1).copy(order="C"))


def read_audio(value: str):
    import torchaudio

    w, sr = torchaudio.load(io.BytesIO(_bytes(value)))
    return w, int(sr)


# ---------------------------------------------------------------------------------------------
# sample files


def _pattern(h: int, w: int, seed: int) -> np.ndarray:
    """An RGB uint8 [h, w, 3] picture: gradients, a disc and a stripe (deterministic)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(w - 1, 1)).astype(np.int32)
    g = (y * 255 // max(h - 1, 1)).astype(np.int32)
    b = ((x + y) * 7 + seed * 40) % 256
    disc = (x - w / 3) ** 2 + (y - h / 2) ** 2 < (min(h, w) / 4) ** 2
    r = np.where(disc, 250 - seed * 30, r)
    g = np.where((x // 3) % 4 == 0, 30, g)
    noise = rng.randint(0, 12, size=(h, w))
    img = np.stack([r, g, (b + noise) % 256], axis=-1)
    return np.clip(img, 0, 255).astype(np.uint8)


def _wav_bytes(fmt_tag: int, bits: int, rate: int, samples: np.ndarray, extensible: bool = False) -> bytes:
    """A RIFF WAVE file; samples is [frames, channels] of the stored type."""
    channels = samples.shape[1]
    block = channels * bits // 8
    data = samples.tobytes()
    if bits == 24:
        s = samples.astype("<i4").reshape(-1)
        data = b"".join(struct.pack("<i", int(v))[:3] for v in s)
    if extensible:
        sub = struct.pack("<H", fmt_tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 0) + sub
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"  # an extra chunk readers must skip
    body += b"data" + struct.pack("<I", len(data)) + data
    if len(data) % 2:
        body += b"\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _tone(rate: int, seconds: float, freqs, amp: float = 0.6) -> np.ndarray:
    """float64 [frames, len(freqs)]: one sine per channel with a decaying envelope."""
    n = int(rate * seconds)
    t = np.arange(n) / rate
    env = np.exp(-3.0 * t / seconds)
    return np.stack([amp * env * np.sin(2 * math.pi * f * t + i) for i, f in enumerate(freqs)], axis=1)


def write_media():
    from PIL import Image

    os.makedirs(MEDIA, exist_ok=True)

    def path(name):
        return os.path.join(MEDIA, name)

    rgb = _pattern(20, 24, 1)
    Image.fromarray(rgb, "RGB").save(path("rgb.png"), optimize=False)
    Image.fromarray(_pattern(16, 20, 2)[:, :, 1], "L").save(path("gray.png"))
    rgba = np.concatenate([_pattern(22, 18, 3), np.full((22, 18, 1), 200, np.uint8)], axis=-1)
    rgba[:5, :5, 3] = 0
    Image.fromarray(rgba, "RGBA").save(path("rgba.png"))
    la = np.stack([_pattern(10, 12, 4)[:, :, 0], np.full((10, 12), 128, np.uint8)], axis=-1)
    Image.fromarray(la, "LA").save(path("gray_alpha.png"))
    Image.fromarray(_pattern(14, 14, 5), "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path("palette.png"))
    # JPEG: 4:4:4 (no chroma subsampling) keeps decoders close; a gray JPEG too.
    Image.fromarray(_pattern(18, 22, 6), "RGB").save(path("photo.jpg"), quality=92, subsampling=0)
    Image.fromarray(_pattern(12, 16, 7)[:, :, 0], "L").save(path("gray.jpg"), quality=92)
    Image.fromarray(_pattern(15, 17, 8), "RGB").save(path("rgb.bmp"))
    frames = [Image.fromarray(_pattern(13, 19, 9 + k), "RGB").quantize(colors=32, dither=Image.Dither.NONE) for k in range(2)]
    frames[0].save(path("anim.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)
    Image.fromarray(_pattern(11, 13, 11), "RGB").save(path("rgb.tif"))
    Image.fromarray(_pattern(9, 10, 12)[:, :, 2], "L").save(path("gray.tif"))
    # NumPy arrays, which Ludwig's read_image_as_numpy loads as they are: uint8 [C,H,W], and
    # float32 [C,H,W] in 0..255 stored Fortran-ordered and big-endian.
    np.save(path("rgb.npy"), np.ascontiguousarray(_pattern(10, 14, 13).transpose(2, 0, 1)))
    np.save(path("rgb_f32.npy"), np.asfortranarray(_pattern(9, 11, 14).transpose(2, 0, 1).astype(">f4")))
    # Error cases.
    with open(path("rgb.png"), "rb") as f:
        png = f.read()
    with open(path("truncated.png"), "wb") as f:
        f.write(png[: len(png) // 2])
    with open(path("not_an_image.txt"), "w") as f:
        f.write("this is a text file, not an image\n")

    # WAVs: 8 kHz, a few KB each.
    rate = 8000
    mono = _tone(rate, 0.2, [440.0])
    stereo = _tone(rate, 0.15, [300.0, 700.0], amp=0.5)
    with wave.open(path("pcm16_mono.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(mono * 32767).astype("<i2").tobytes())
    with open(path("pcm8_mono.wav"), "wb") as f:
        f.write(_wav_bytes(1, 8, rate, np.round(_tone(rate, 0.25, [250.0]) * 127 + 128).astype(np.uint8)))
    with open(path("pcm24_stereo.wav"), "wb") as f:
        f.write(_wav_bytes(1, 24, rate, np.round(stereo * (2 ** 23 - 1)).astype(np.int32)))
    with open(path("pcm16_stereo_ext.wav"), "wb") as f:
        f.write(_wav_bytes(1, 16, rate, np.round(stereo * 32767).astype("<i2"), extensible=True))
    with open(path("pcm32_mono.wav"), "wb") as f:
        f.write(_wav_bytes(1, 32, rate, np.round(_tone(rate, 0.1, [500.0]) * (2 ** 31 - 1)).astype("<i4")))
    with open(path("float32_stereo.wav"), "wb") as f:
        f.write(_wav_bytes(3, 32, rate, _tone(rate, 0.1, [350.0, 900.0], amp=1.2).astype("<f4")))
    with open(path("float64_mono.wav"), "wb") as f:
        f.write(_wav_bytes(3, 64, rate, _tone(rate, 0.08, [600.0]).astype("<f8")))
    with open(path("pcm16_mono.wav"), "rb") as f:
        wav = f.read()
    with open(path("truncated.wav"), "wb") as f:
        f.write(wav[: len(wav) // 2])
    with open(path("mulaw.wav"), "wb") as f:
        f.write(_wav_bytes(7, 8, rate, np.full((100, 1), 0xFF, np.uint8)))
    with open(path("not_wav.flac"), "wb") as f:
        f.write(b"fLaC\x00\x00\x00\x22" + bytes(34))
