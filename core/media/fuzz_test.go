package media

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the image and WAV decoders: they may
// refuse them, never panic, and what they accept is a valid tensor (its
// data exactly fills its shape).
func FuzzDecode(f *testing.F) {
	entries, err := os.ReadDir(mediaDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(mediaDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 4096 {
			f.Add(b)
		}
	}
	f.Add(npy(1, dict("<i4", true, "(2, 3)"), make([]byte, 24)))
	f.Add(npy(2, dict(">f8", false, "(1, 2)"), make([]byte, 16)))
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, decode := range map[string]func([]byte) (interface{ Validate() error }, error){
			"image": func(b []byte) (interface{ Validate() error }, error) { return DecodeImage(b) },
			"wav":   func(b []byte) (interface{ Validate() error }, error) { return DecodeWAV(b) },
		} {
			got, err := decode(b)
			if err != nil {
				continue
			}
			if verr := got.Validate(); verr != nil {
				t.Fatalf("%s: accepted %d bytes as an invalid tensor: %v", name, len(b), verr)
			}
		}
	})
}
