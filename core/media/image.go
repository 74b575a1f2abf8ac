package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	// golang.org/x/image is the Go project's own extension of the standard
	// image packages (same authors, BSD licence, pure Go, no cgo): it adds
	// the BMP and TIFF decoders the standard library lacks.
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// MaxPixels bounds an image's width*height (a decompression-bomb guard).
const MaxPixels = 1 << 28

// DecodeImage decodes PNG, JPEG, GIF (first frame), BMP or TIFF bytes to a
// uint8 [C,H,W] tensor, keeping the channels the file has, as
// torchvision.io.read_image(mode=UNCHANGED) does for Ludwig; a NumPy .npy
// file becomes a tensor of its own dtype and shape (DecodeNpy), as Ludwig's
// read_image_as_numpy gives it:
//
//   - PNG: gray 1, gray+alpha 2, RGB 3, RGBA 4; palette 3 (4 with a tRNS
//     chunk); 16-bit samples keep their high byte.
//   - JPEG: gray 1, color 3 (YCbCr and CMYK converted to RGB).
//   - GIF: the first frame as RGB, 3.
//   - BMP: RGB 3 (4 when the file has alpha).
//   - TIFF: gray 1, RGB 3, RGBA 4 (16-bit samples keep their high byte).
//
// JPEG is lossy and decoders differ: Go's decoder (integer IDCT, and 4:2:0
// chroma upsampling without libjpeg's "fancy" filter) can give pixel values
// a few levels away from libjpeg-turbo's (torchvision, PIL).
func DecodeImage(b []byte) (tensor.Tensor, error) {
	format := sniff(b)
	var (
		img image.Image
		err error
	)
	r := bytes.NewReader(b)
	checkSize := func(decodeConfig func() (image.Config, error)) error {
		cfg, err := decodeConfig()
		if err != nil {
			return err
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
			return fmt.Errorf("image size %dx%d is empty or too large", cfg.Width, cfg.Height)
		}
		return nil
	}
	switch format {
	case "PNG":
		if err = checkSize(func() (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }); err == nil {
			img, err = png.Decode(r)
		}
	case "JPEG":
		if err = checkSize(func() (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }); err == nil {
			img, err = jpeg.Decode(r)
		}
	case "GIF":
		if err = checkSize(func() (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) }); err == nil {
			img, err = gif.Decode(r)
		}
	case "BMP":
		if err = checkSize(func() (image.Config, error) { return bmp.DecodeConfig(bytes.NewReader(b)) }); err == nil {
			img, err = bmp.Decode(r)
		}
	case "TIFF":
		if err = checkSize(func() (image.Config, error) { return tiff.DecodeConfig(bytes.NewReader(b)) }); err == nil {
			img, err = tiff.Decode(r)
		}
	case "NumPy .npy":
		t, err := DecodeNpy(b)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("cannot decode NumPy .npy image: %v", err)
		}
		return t, nil
	case "":
		return tensor.Tensor{}, fmt.Errorf("not an image this library decodes (PNG, JPEG, GIF, BMP, TIFF or NumPy .npy): unrecognised content starting with %q", head(b))
	default:
		return tensor.Tensor{}, fmt.Errorf("%s is not an image format this library decodes (PNG, JPEG, GIF, BMP, TIFF or NumPy .npy)", format)
	}
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("cannot decode %s image (corrupt or truncated?): %v", format, err)
	}
	channels := channelsOf(format, b, img)
	return toCHW(img, channels), nil
}

func head(b []byte) string {
	if len(b) > 8 {
		b = b[:8]
	}
	return string(b)
}

// channelsOf decides the channel count "unchanged" decoding gives.
func channelsOf(format string, b []byte, img image.Image) int {
	if format == "PNG" && len(b) >= 26 {
		switch b[25] { // IHDR colour type
		case 0:
			return 1
		case 2:
			return 3
		case 3:
			if pngHasChunk(b, "tRNS") {
				return 4
			}
			return 3
		case 4:
			return 2
		case 6:
			return 4
		}
	}
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		return 1
	case *image.Paletted:
		if format == "GIF" {
			return 3
		}
		for _, c := range m.Palette {
			if _, _, _, a := c.RGBA(); a != 0xffff {
				return 4
			}
		}
		return 3
	case *image.NRGBA, *image.NRGBA64, *image.RGBA, *image.RGBA64:
		if opaque(img) {
			return 3
		}
		return 4
	}
	return 3
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// pngHasChunk reports whether a PNG file has a chunk of the given type
// before its image data.
func pngHasChunk(b []byte, typ string) bool {
	p := 8
	for p+8 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[p:]))
		t := string(b[p+4 : p+8])
		if t == typ {
			return true
		}
		if t == "IDAT" || t == "IEND" || n < 0 {
			return false
		}
		p += 12 + n
	}
	return false
}

// toCHW copies img into a uint8 [channels, H, W] tensor: 1 = gray (the
// first sample), 2 = gray + alpha, 3 = RGB, 4 = RGBA, with
// non-premultiplied values; 16-bit samples keep their high byte.
func toCHW(img image.Image, channels int) tensor.Tensor {
	bnd := img.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	plane := w * h
	out := make([]byte, channels*plane)
	set := func(i int, r, g, bl, a uint8) {
		switch channels {
		case 1:
			out[i] = r
		case 2:
			out[i], out[plane+i] = r, a
		case 3:
			out[i], out[plane+i], out[2*plane+i] = r, g, bl
		default:
			out[i], out[plane+i], out[2*plane+i], out[3*plane+i] = r, g, bl, a
		}
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			for x, v := range row {
				set(y*w+x, v, v, v, 255)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				set(y*w+x, row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
			}
		}
	case *image.RGBA:
		// Opaque RGBA (the common case) equals its non-premultiplied form;
		// premultiplied samples with alpha are kept as stored.
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				set(y*w+x, row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
			}
		}
	case *image.Paletted:
		pal := make([][4]uint8, len(m.Palette))
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [4]uint8{n.R, n.G, n.B, n.A}
		}
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			for x, idx := range row {
				var c [4]uint8
				if int(idx) < len(pal) {
					c = pal[idx]
				}
				set(y*w+x, c[0], c[1], c[2], c[3])
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi, ci := m.YOffset(bnd.Min.X+x, bnd.Min.Y+y), m.COffset(bnd.Min.X+x, bnd.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				set(y*w+x, r, g, bl, 255)
			}
		}
	default:
		// Gray16, NRGBA64, RGBA64, CMYK and others: through the generic
		// colour model, keeping the high byte of 16-bit samples.
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := img.At(bnd.Min.X+x, bnd.Min.Y+y)
				var r, g, bl, a uint8
				switch cc := c.(type) {
				case color.Gray16:
					r = uint8(cc.Y >> 8)
					g, bl, a = r, r, 255
				case color.NRGBA64:
					r, g, bl, a = uint8(cc.R>>8), uint8(cc.G>>8), uint8(cc.B>>8), uint8(cc.A>>8)
				case color.RGBA64:
					r, g, bl, a = uint8(cc.R>>8), uint8(cc.G>>8), uint8(cc.B>>8), uint8(cc.A>>8)
				default:
					n := color.NRGBAModel.Convert(c).(color.NRGBA)
					r, g, bl, a = n.R, n.G, n.B, n.A
				}
				set(y*w+x, r, g, bl, a)
			}
		}
	}
	return tensor.Tensor{DType: tensor.Uint8, Shape: []int64{int64(channels), int64(h), int64(w)}, Data: out}
}

// LoadImage reads and decodes an image value (a path, data: URI or base64).
func LoadImage(value string, opts Options) (tensor.Tensor, error) {
	b, src, err := Read(value, opts)
	if err != nil {
		return tensor.Tensor{}, err
	}
	t, err := DecodeImage(b)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %v", src, err)
	}
	return t, nil
}
