package core

import (
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/media"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Limits on what one call, or one model file, can make the library allocate,
// so that a hostile request or file fails with a clear error instead of
// exhausting memory. A request past a limit fails with status.Input
// (LI_ERR_INPUT), a model file with status.Model (LI_ERR_MODEL); the message
// names the limit. Requests larger than these are better split: a call's
// cost grows with its rows, and nothing is gained past a few thousand.
const (
	// MaxRequestBytes is the largest JSON request (256 MiB).
	MaxRequestBytes = request.MaxBytes
	// MaxJSONDepth is the deepest nesting of JSON arrays and objects (64).
	MaxJSONDepth = request.MaxDepth
	// MaxJSONValues is the most JSON values in one request, and the most
	// cells (columns x rows) a records or split request may spread them
	// over (8,388,608): a decoded value takes about 112 bytes, so a
	// request's decoded form stays under about 1 GiB whatever its spelling.
	MaxJSONValues = request.MaxValues
	// MaxStringBytes is the longest JSON string or key (16 MiB; base64 media
	// included: pass larger media as file paths or tensor buffers).
	MaxStringBytes = request.MaxStringBytes
	// MaxRows is the most rows in one call (1,048,576), from JSON or from
	// the first dimension of a tensor buffer.
	MaxRows = request.MaxRows
	// MaxTensors is the most tensor buffers in one call (65,536).
	MaxTensors = 1 << 16
	// MaxTensorElements is the most elements of one tensor buffer
	// (1,073,741,824; 4 GiB of float32).
	MaxTensorElements = 1 << 30
	// MaxImagePixels is the most pixels (width x height) of one decoded
	// image (268,435,456): a decompression-bomb guard.
	MaxImagePixels = media.MaxPixels
	// MaxMediaBytes is the largest image or audio file, data: URI or base64
	// value read (256 MiB).
	MaxMediaBytes = media.DefaultMaxBytes
	// MaxArchiveRatio is the largest expansion (uncompressed / compressed
	// size) of a .pt archive's compressed entries over 1 MiB (200; see
	// export.MaxArchiveRatio).
	MaxArchiveRatio = export.MaxArchiveRatio
	// MaxArchiveBytes is the largest total uncompressed size of a .pt
	// archive's entries (64 GiB).
	MaxArchiveBytes = export.MaxArchiveBytes
)

// checkRequest enforces the per-call limits that decoding does not: tensor
// buffers (count, validity, elements, rows) and pre-decoded tables. JSON
// limits are enforced while decoding (core/request).
func checkRequest(req Request) error {
	if len(req.JSON) > MaxRequestBytes {
		return status.Errorf(status.Input, "invalid request: the request has %d bytes, more than the limit of %d (MaxRequestBytes)", len(req.JSON), MaxRequestBytes)
	}
	if len(req.Tensors) > MaxTensors {
		return status.Errorf(status.Input, "invalid request: %d tensors, more than the limit of %d (MaxTensors)", len(req.Tensors), MaxTensors)
	}
	for _, t := range req.Tensors {
		// The limits first, on the shape alone, then the buffer's length.
		n := int64(1)
		for _, d := range t.Shape {
			if d < 0 || (d > 0 && n > MaxTensorElements/d) {
				n = -1
				break
			}
			n *= d
		}
		if n < 0 || n > MaxTensorElements {
			for _, d := range t.Shape {
				if d < 0 {
					return status.Errorf(status.Input, "tensor %q: negative dimension in shape %v", t.Name, t.Shape)
				}
			}
			return status.Errorf(status.Input, "tensor %q has shape %v, more than the limit of %d elements (MaxTensorElements)", t.Name, t.Shape, int64(MaxTensorElements))
		}
		if len(t.Shape) > 0 && t.Shape[0] > MaxRows {
			return status.Errorf(status.Input, "tensor %q has %d rows, more than the limit of %d (MaxRows)", t.Name, t.Shape[0], MaxRows)
		}
		if err := t.Validate(); err != nil {
			return status.Errorf(status.Input, "tensor %q: %v", t.Name, err)
		}
	}
	if req.Table != nil && req.Table.Rows > MaxRows {
		return status.Errorf(status.Input, "invalid request: the request has %d rows, more than the limit of %d (MaxRows)", req.Table.Rows, MaxRows)
	}
	return nil
}
