"""Image and audio preprocessing as a Ludwig export scripts it (`_ImagePreprocessing`,
`_AudioPreprocessing`), written by this project from the behaviour that
shared/docs/ludwig-export-contract.md and testdata/README.md describe.

Each class takes its feature's entry of the training-set metadata. What an archive shows of it is
what a real export shows: the qualified class names, the scripted attributes (names, types, order)
and the forward signature. Helper functions compile under the module paths real exports use for
theirs (`ludwig.utils.image_utils`, `ludwig.utils.audio_utils`, `ludwig.features.audio_feature`), so
the archive holds the same `code/__torch__/...` files; their names and structure are ours.

Results are those of Ludwig 0.8's exports value for value: where a float result depends on it, the
same torch operations run on the same dtypes (float64 pre-emphasis and windows, float32 rounding of
the frame count and of the top of the mel scale, the filter bank multiplied in as a transposed view).
testdata/gen/scripted/check_media.py checks this against the goldens.
"""
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
import torchaudio
import torchvision.transforms.functional as tvf

from scripted.naming import ludwig_name

# The input union every Ludwig preprocessing module's forward declares.
Batch = Union[List[str], List[torch.Tensor], List[Tuple[torch.Tensor, int]], torch.Tensor]

_image_utils = ludwig_name("ludwig.utils.image_utils")
_audio_utils = ludwig_name("ludwig.utils.audio_utils")
_audio_feature = ludwig_name("ludwig.features.audio_feature")

# The preprocessing settings an audio module keeps (those that are not None).
_SPECTRAL_SETTINGS = ("type", "window_length_in_s", "window_shift_in_s", "num_fft_points", "window_type",
                      "num_filter_bands")


# ---------------------------------------------------------------------------------------------- images


@_image_utils
def edge_pad_then_centre_crop(img: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Ludwig's "crop_or_pad" resize: repeat the border pixels outwards, then keep the centre.

    The padding amounts are Ludwig 0.8's, axis mix-up included: half of the missing rows (rounded
    down) go to the left edge and the other half (rounded up) to the right edge, half of the missing
    columns to the top and bottom (negative amounts count as 0). torchvision's centre crop then cuts
    height x width, filling with zeros where the padded image is still too small.
    """
    short_rows = height - img.shape[-2]
    short_cols = width - img.shape[-1]
    left, right = max(short_rows // 2, 0), max(-(-short_rows // 2), 0)
    top, bottom = max(short_cols // 2, 0), max(-(-short_cols // 2), 0)
    grown = tvf.pad(img, [left, top, right, bottom], padding_mode="edge")
    return tvf.center_crop(grown, [height, width])


@_image_utils
def fit_image(img: torch.Tensor, height: int, width: int, how: str) -> torch.Tensor:
    """Brings the last two dimensions of one image or of a batch to height x width; `how` is the
    feature's resize_method. An image of the right size is returned as it is, whatever `how` says."""
    if img.shape[-2] == height and img.shape[-1] == width:
        return img
    if how == "interpolate":
        return tvf.resize(img, [height, width])  # bilinear, no antialiasing (torchvision 0.14's default)
    if how == "crop_or_pad":
        return edge_pad_then_centre_crop(img, height, width)
    raise ValueError("image feature: resize_method \"" + how + "\" is neither interpolate nor crop_or_pad")


@_image_utils
def match_channels(batch: torch.Tensor, wanted: int) -> torch.Tensor:
    """Reconciles the channel count of a [B,C,H,W] batch with the model's: a one-channel model gets
    torchvision's grayscale conversion, missing channels are appended as zeros, extra ones are an
    error (its text starts as Ludwig's does, which callers match on)."""
    have = batch.shape[1]
    if have == wanted:
        return batch
    if wanted == 1:
        return tvf.rgb_to_grayscale(batch)
    if have > wanted:
        raise ValueError("Number of channels cannot be reconciled: the image feature takes {} channels, "
                         "the images have {}".format(wanted, have))
    return torch.nn.functional.pad(batch, [0, 0, 0, 0, 0, wanted - have])


@ludwig_name("ludwig.features.image_feature")
class _ImagePreprocessing(torch.nn.Module):
    """A list of [C,H,W] images (any sizes) or one [B,C,H,W] batch, uint8 (or float) values 0..255
    -> float32 [B,C,H,W] of the model's size and channel count, values divided by 255."""

    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        settings = metadata["preprocessing"]
        self.resize_method = settings["resize_method"]
        # A real export keeps a pretrained encoder's torchvision transform here; the models we
        # generate use Ludwig's own encoders, so it is None (a NoneType attribute in the archive).
        self.torchvision_transform = None
        self.height = settings["height"]
        self.width = settings["width"]
        self.num_channels = settings["num_channels"]

    def forward(self, v: Batch) -> torch.Tensor:
        if torch.jit.isinstance(v, torch.Tensor):
            batch = v
        elif torch.jit.isinstance(v, List[torch.Tensor]):
            batch = torch.stack([fit_image(img, self.height, self.width, self.resize_method) for img in v])
        else:
            raise ValueError("image feature: the input must be a list of [C,H,W] tensors or one [B,C,H,W] tensor")
        if batch.dim() != 4:
            raise ValueError("image feature: a batch must have 4 dimensions [B,C,H,W], got {}".format(batch.shape))
        batch = fit_image(batch, self.height, self.width, self.resize_method)
        batch = match_channels(batch, self.num_channels)
        return batch.to(torch.float32) / 255


# ----------------------------------------------------------------------------------------------- audio


@_audio_utils
def get_length_in_samp(seconds: float, rate_hz: int) -> int:
    """Samples in `seconds` of audio at rate_hz, truncated."""
    return int(seconds * rate_hz)


@_audio_utils
def frame_count(num_samples: int, width: int, hop: int) -> int:
    """How many frames of `width` samples, `hop` apart, cover num_samples samples (the last frame
    may be short): ceil((num_samples - width) / hop + 1), the value rounded to float32 before the
    ceiling, as Ludwig computes it. Below 1 for a clip of at most width - hop samples."""
    return int(torch.ceil(torch.tensor((num_samples - width) / hop + 1, dtype=torch.float32)))


def get_max_length_stft_based(num_samples: int, window_s: float, hop_s: float, rate_hz: int) -> int:
    """An audio feature's max_length: the frames in num_samples samples (not scripted)."""
    return frame_count(num_samples, get_length_in_samp(window_s, rate_hz), get_length_in_samp(hop_s, rate_hz))


@_audio_utils
def pre_emphasis(waveform: torch.Tensor) -> torch.Tensor:
    """y[n] = x[n] - 0.97 x[n-1] on every channel: torchaudio's lfilter (b = [1, -0.97], a = [1, 0],
    no clamping) on float64 samples, the result back in float32."""
    as_double = waveform.to(torch.float64)
    numerator = torch.tensor([1.0, -0.97], dtype=torch.float64, device=waveform.device)
    denominator = torch.tensor([1.0, 0.0], dtype=torch.float64, device=waveform.device)
    filtered = torchaudio.functional.lfilter(as_double, denominator, numerator, clamp=False)
    return filtered.to(torch.float32)


@_audio_utils
def frame_signal(signal: torch.Tensor, width: int, hop: int, remove_mean: bool) -> torch.Tensor:
    """[frame_count, width] float32: row k holds signal[k*hop : k*hop + width], the last row whatever
    remains from its start to the end, zero-filled. With remove_mean, each row's samples first lose
    their own mean (over the samples present)."""
    total = signal.shape[0]
    count = frame_count(total, width, hop)
    if count < 1:
        raise ValueError("audio feature: a recording of {} samples is too short: {}-sample windows {} apart "
                         "need more than {}".format(total, width, hop, width - hop))
    rows: List[torch.Tensor] = []
    for k in range(count):
        begin = k * hop
        stop = total if k == count - 1 else begin + width
        piece = signal[begin:stop]
        if remove_mean:
            piece = piece - torch.mean(piece)
        rows.append(torch.nn.functional.pad(piece, [0, width - piece.shape[0]]))
    return torch.stack(rows)


@_audio_utils
def analysis_window(kind: str, width: int, device: torch.device) -> torch.Tensor:
    """A symmetric window of `width` points, computed in float64 and stored as float32."""
    if kind == "hamming":
        taper = torch.hamming_window(width, periodic=False, dtype=torch.float64, device=device)
    elif kind == "hann":
        taper = torch.hann_window(width, periodic=False, dtype=torch.float64, device=device)
    elif kind == "blackman":
        taper = torch.blackman_window(width, periodic=False, dtype=torch.float64, device=device)
    elif kind == "bartlett":
        taper = torch.bartlett_window(width, periodic=False, dtype=torch.float64, device=device)
    else:
        raise ValueError("audio feature: window_type \"" + kind + "\" is not hamming, hann, blackman or bartlett")
    return taper.to(torch.float32)


@_audio_utils
def one_sided_spectrum(audio: torch.Tensor, width: int, hop: int, fft_size: int, window: str,
                       remove_mean: bool, ramp: bool) -> torch.Tensor:
    """Complex [frames, fft_size // 2 + 1]: the FFT of each windowed frame of the first channel after
    pre-emphasis. With ramp the window is multiplied by 0, 1, ..., width - 1 (for group delay)."""
    frames = frame_signal(pre_emphasis(audio)[0], width, hop, remove_mean)
    taper = analysis_window(window, width, frames.device)
    if ramp:
        taper = taper * torch.arange(width, device=frames.device).float()
    spectrum = torch.fft.fft(frames * taper, n=fft_size)
    return spectrum[:, : fft_size // 2 + 1]


@_audio_utils
def mel_filterbank(bands: int, fft_size: int, rate_hz: int, device: torch.device) -> torch.Tensor:
    """[bands, fft_size // 2 + 1] triangular filters over the one-sided FFT bins.

    bands + 2 edges lie evenly on the mel scale (2595 log10(1 + hz / 700)) from 0 to the mel of
    rate_hz // 2 (rounded to float32, as Ludwig does), each turned back into Hz and into a bin
    number floor(hz * (fft_size + 1) / rate_hz). Filter b rises from 0 at edge b to 1 at edge b + 1
    and falls back towards 0 before edge b + 2: bin k gets (k - lo) / (mid - lo) on [lo, mid) and
    (hi - k) / (hi - mid) on [mid, hi), 0 elsewhere.
    """
    top_mel = float(2595.0 * torch.log10(torch.tensor(1 + (rate_hz // 2) / 700.0)))
    mels = torch.linspace(0, top_mel, bands + 2, device=device)
    edges = torch.floor((fft_size + 1) / rate_hz * (700.0 * (10 ** (mels / 2595.0) - 1)))
    k = torch.arange(fft_size // 2 + 1, dtype=torch.float32, device=device)
    filters: List[torch.Tensor] = []
    for b in range(bands):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        rising = torch.where((k >= lo) & (k < mid), (k - lo) / (mid - lo), torch.zeros_like(k))
        filters.append(torch.where((k >= mid) & (k < hi), (hi - k) / (hi - mid), rising))
    return torch.stack(filters)


@_audio_utils
def log_mel_energies(audio: torch.Tensor, rate_hz: int, width: int, hop: int, fft_size: int, window: str,
                     bands: int) -> torch.Tensor:
    """[frames, bands] "fbank" features: log(power spectrum x filter bank + 1e-10), frames with
    their mean removed before windowing."""
    power = one_sided_spectrum(audio, width, hop, fft_size, window, True, False).abs() ** 2
    bank = mel_filterbank(bands, fft_size, rate_hz, audio.device)
    return torch.log(torch.matmul(power, bank.t()) + 1.0e-10)


@_audio_utils
def group_delay(plain: torch.Tensor, ramped: torch.Tensor) -> torch.Tensor:
    """Re(X conj(Y)) / (|X|^2 + 1e-10) for X the spectrum with the plain window, Y with the ramped one."""
    cross = plain.real * ramped.real + plain.imag * ramped.imag
    delay = cross / (torch.square(torch.abs(plain)) + 1e-10)
    if bool(torch.isnan(delay).any()):
        raise ValueError("audio feature: the group delay has NaN values")
    return delay


@_audio_feature
def _whole_setting(settings: Dict[str, Union[float, int, str]], key: str) -> int:
    value = settings[key]
    if torch.jit.isinstance(value, int):
        return value
    raise ValueError("audio feature: preprocessing." + key + " must be an integer")


@_audio_feature
def _seconds_setting(settings: Dict[str, Union[float, int, str]], key: str, rate_hz: int) -> int:
    value = settings[key]
    if torch.jit.isinstance(value, float):
        return get_length_in_samp(value, rate_hz)
    raise ValueError("audio feature: preprocessing." + key + " must be a number of seconds (a float)")


@_audio_feature
def _features(audio: torch.Tensor, rate_hz: int, settings: Dict[str, Union[float, int, str]]) -> torch.Tensor:
    """[frames, dims] features of one recording (before normalisation and padding), by the feature's
    preprocessing type: raw (first channel's samples), stft (magnitudes), stft_phase (phases then
    magnitudes), group_delay or fbank."""
    kind = str(settings["type"])
    if kind == "raw":
        return torch.unsqueeze(audio[0], -1)
    if kind not in ["stft", "stft_phase", "group_delay", "fbank"]:
        raise ValueError("audio feature: unknown preprocessing type \"" + kind + "\"")
    width = _seconds_setting(settings, "window_length_in_s", rate_hz)
    hop = _seconds_setting(settings, "window_shift_in_s", rate_hz)
    fft_size = width
    if "num_fft_points" in settings:
        fft_size = _whole_setting(settings, "num_fft_points")
        if fft_size < width:
            raise ValueError("audio feature: num_fft_points {} is smaller than the window ({} samples at {} Hz)".format(
                fft_size, width, rate_hz))
    window = "hamming"
    if "window_type" in settings:
        window = str(settings["window_type"])
    if kind == "fbank":
        bands = _whole_setting(settings, "num_filter_bands")
        return log_mel_energies(audio, rate_hz, width, hop, fft_size, window, bands)
    spectrum = one_sided_spectrum(audio, width, hop, fft_size, window, False, False)
    if kind == "stft":
        return torch.abs(spectrum)
    if kind == "stft_phase":
        return torch.cat([torch.angle(spectrum), torch.abs(spectrum)], dim=1)
    return group_delay(spectrum, one_sided_spectrum(audio, width, hop, fft_size, window, False, True))


@_audio_feature
def _normalised(features: torch.Tensor, norm: Optional[str]) -> torch.Tensor:
    """per_file: every dimension to zero mean and unit (sample) standard deviation over the frames;
    None or another value: unchanged; global: an error (Ludwig's export does not implement it)."""
    if norm is None:
        return features
    if norm == "global":
        raise ValueError("audio feature: norm \"global\" is not supported in an exported model")
    if norm == "per_file":
        return (features - torch.mean(features, dim=0)) / (torch.std(features, dim=0) + 1.0e-10)
    return features


@ludwig_name("ludwig.features.audio_feature")
class _AudioPreprocessing(torch.nn.Module):
    """A list of (float32 [channels, samples] waveform, sample rate) pairs -> float32
    [B, max_length, feature_dim]: each recording's features, normalised, cut to max_length frames and
    padded with padding_value."""

    audio_feature_dict: Dict[str, Union[float, int, str]]

    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        settings = metadata["preprocessing"]
        self.audio_feature_dict = {}
        for key in _SPECTRAL_SETTINGS:
            if settings.get(key) is not None:
                self.audio_feature_dict[key] = settings[key]
        self.feature_dim = metadata["feature_dim"]
        self.max_length = metadata["max_length"]
        self.padding_value = settings["padding_value"]
        self.normalization_type = settings["norm"]

    def forward(self, v: Batch) -> torch.Tensor:
        if not torch.jit.isinstance(v, List[Tuple[torch.Tensor, int]]):
            raise ValueError("audio feature: the input must be a list of (waveform, sample rate) pairs")
        if len(v) == 0:
            raise ValueError("audio feature: the batch is empty")
        out = torch.full((len(v), self.max_length, self.feature_dim), self.padding_value, dtype=torch.float32,
                         device=v[0][0].device)
        for i in range(len(v)):
            waveform, rate_hz = v[i]
            features = _normalised(_features(waveform, rate_hz, self.audio_feature_dict), self.normalization_type)
            kept = features[: self.max_length]
            out[i, : kept.shape[0]] = kept
        return out
