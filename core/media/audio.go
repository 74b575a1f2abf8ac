package media

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// WAV format tags.
const (
	wavePCM        = 1
	waveFloat      = 3
	waveALaw       = 6
	waveMuLaw      = 7
	waveExtensible = 0xfffe
)

// DecodeWAV decodes a RIFF WAVE file to a float32 [channels, samples]
// tensor in [-1, 1] with Tensor.SampleRate set, normalised as
// torchaudio.load (sox_io backend) does: unsigned 8-bit (x-128)/128, signed
// 16/24/32-bit x/2^(bits-1), float32 and float64 samples clipped to [-1, 1].
// 8-, 16- and 24-bit files give torchaudio's values exactly. For 32-bit
// integer and float files torchaudio 0.13's sox backend keeps only 24 bits
// (adding dither); this keeps full precision (a difference below 2^-23).
// WAVE_FORMAT_EXTENSIBLE files with PCM or float sub-formats are read too;
// A-law, mu-law, ADPCM and other encodings, and other containers (FLAC, MP3,
// Ogg), are errors that name the format.
func DecodeWAV(b []byte) (tensor.Tensor, error) {
	if f := sniff(b); f != "WAV" {
		if f == "" {
			return tensor.Tensor{}, fmt.Errorf("not a WAV file (unrecognised content starting with %q); only WAV audio is decoded: convert other formats to WAV, or pass waveforms as tensors", head(b))
		}
		return tensor.Tensor{}, fmt.Errorf("%s audio is not decoded by this library, only WAV (PCM 8/16/24/32-bit, float 32/64-bit): convert it to WAV, or pass waveforms as tensors", f)
	}
	if string(b[:4]) != "RIFF" {
		return tensor.Tensor{}, fmt.Errorf("%s WAV files are not supported (only little-endian RIFF)", string(b[:4]))
	}
	var (
		haveFmt                     bool
		format, channels, bits, blk int
		rate                        int64
		data                        []byte
		haveData                    bool
	)
	p := 12
	for p+8 <= len(b) && !haveData {
		id := string(b[p : p+4])
		size := int64(binary.LittleEndian.Uint32(b[p+4:]))
		body := p + 8
		end := int64(body) + size
		if id == "data" {
			if !haveFmt {
				return tensor.Tensor{}, fmt.Errorf("corrupt WAV: data chunk before the fmt chunk")
			}
			if end > int64(len(b)) {
				if size != 0xffffffff && size != 0 {
					return tensor.Tensor{}, fmt.Errorf("truncated WAV: the data chunk declares %d bytes, the file has %d", size, len(b)-body)
				}
				end = int64(len(b)) // a streamed file whose size was never written
			}
			data, haveData = b[body:end], true
			break
		}
		if end > int64(len(b)) {
			return tensor.Tensor{}, fmt.Errorf("truncated WAV: chunk %q declares %d bytes, the file has %d", id, size, len(b)-body)
		}
		if id == "fmt " {
			if size < 16 {
				return tensor.Tensor{}, fmt.Errorf("corrupt WAV: fmt chunk of %d bytes", size)
			}
			f := b[body:end]
			format = int(binary.LittleEndian.Uint16(f[0:]))
			channels = int(binary.LittleEndian.Uint16(f[2:]))
			rate = int64(binary.LittleEndian.Uint32(f[4:]))
			blk = int(binary.LittleEndian.Uint16(f[12:]))
			bits = int(binary.LittleEndian.Uint16(f[14:]))
			if format == waveExtensible {
				if size < 40 {
					return tensor.Tensor{}, fmt.Errorf("corrupt WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes", size)
				}
				format = int(binary.LittleEndian.Uint16(f[24:])) // sub-format GUID's first two bytes
			}
			haveFmt = true
		}
		p = int(end)
		if size%2 == 1 {
			p++ // chunks are word-aligned
		}
	}
	if !haveFmt {
		return tensor.Tensor{}, fmt.Errorf("corrupt or truncated WAV: no fmt chunk")
	}
	if !haveData {
		return tensor.Tensor{}, fmt.Errorf("corrupt or truncated WAV: no data chunk")
	}
	switch format {
	case wavePCM, waveFloat:
	case waveALaw:
		return tensor.Tensor{}, fmt.Errorf("A-law WAV files are not supported (only PCM and float)")
	case waveMuLaw:
		return tensor.Tensor{}, fmt.Errorf("mu-law WAV files are not supported (only PCM and float)")
	default:
		return tensor.Tensor{}, fmt.Errorf("WAV encoding 0x%04x is not supported (only PCM 8/16/24/32-bit and float 32/64-bit)", format)
	}
	if channels < 1 || rate < 1 {
		return tensor.Tensor{}, fmt.Errorf("corrupt WAV: %d channels at %d Hz", channels, rate)
	}
	okBits := map[int]bool{8: format == wavePCM, 16: format == wavePCM, 24: format == wavePCM, 32: true, 64: format == waveFloat}
	if !okBits[bits] {
		return tensor.Tensor{}, fmt.Errorf("%d-bit %s WAV files are not supported", bits, map[int]string{wavePCM: "PCM", waveFloat: "float"}[format])
	}
	width := bits / 8
	if blk != width*channels {
		return tensor.Tensor{}, fmt.Errorf("corrupt WAV: block align %d for %d channels of %d bits", blk, channels, bits)
	}
	frames := len(data) / blk // a partial last frame is dropped, as sox does
	out := make([]float32, frames*channels)
	for i := 0; i < frames; i++ {
		for c := 0; c < channels; c++ {
			s := data[i*blk+c*width:]
			var v float64
			switch {
			case format == waveFloat && bits == 32:
				v = clip(float64(math.Float32frombits(binary.LittleEndian.Uint32(s))))
			case format == waveFloat:
				v = clip(math.Float64frombits(binary.LittleEndian.Uint64(s)))
			case bits == 8:
				v = (float64(s[0]) - 128) / 128
			case bits == 16:
				v = float64(int16(binary.LittleEndian.Uint16(s))) / (1 << 15)
			case bits == 24:
				x := int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24) >> 8
				v = float64(x) / (1 << 23)
			default:
				v = float64(int32(binary.LittleEndian.Uint32(s))) / (1 << 31)
			}
			out[c*frames+i] = float32(v)
		}
	}
	t := tensor.FromFloat32(out, int64(channels), int64(frames))
	t.SampleRate = rate
	return t, nil
}

func clip(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return v
}

// LoadAudio reads and decodes an audio value (a path, data: URI or base64).
func LoadAudio(value string, opts Options) (tensor.Tensor, error) {
	b, src, err := Read(value, opts)
	if err != nil {
		return tensor.Tensor{}, err
	}
	t, err := DecodeWAV(b)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %v", src, err)
	}
	return t, nil
}
