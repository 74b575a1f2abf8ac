package core

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeWeights writes a one-tensor model_weights.safetensors into dir.
func writeWeights(t *testing.T, dir, name string, v float32) {
	t.Helper()
	hdr := `{"` + name + `": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	if err := os.WriteFile(filepath.Join(dir, "model_weights.safetensors"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCalibrationTemperatureFromWeightsFile: without a graph that lifts the
// temperature (a TorchScript model.pt2, say), the loader reads it from the
// folder's model_weights.safetensors (or its model/ subfolder), under the
// LudwigFeatureDict key of the feature ("." spelled __ludwig_punct_period__).
func TestCalibrationTemperatureFromWeightsFile(t *testing.T) {
	if got := temperatureParam("a.b"); got != "output_features.module_dict.a__ludwig_punct_period__b__ludwig._calibration_module.temperature" {
		t.Fatalf("temperatureParam: %s", got)
	}
	dir := t.TempDir()
	_, err := calibrationTemperatures(dir, nil, []string{"y"})
	if err == nil || !strings.Contains(err.Error(), `output feature "y": calibration is on, but neither model.pt2's parameters nor a model_weights.safetensors in `+dir+` hold output_features.module_dict.y__ludwig._calibration_module.temperature`) {
		t.Fatalf("no weights: %v", err)
	}
	sub := filepath.Join(dir, "model")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeWeights(t, sub, "wrapper."+temperatureParam("y"), 2.5)
	got, err := calibrationTemperatures(dir, nil, []string{"y"})
	if err != nil || got["y"] != 2.5 {
		t.Fatalf("got %v, %v; want y: 2.5", got, err)
	}
	// a name that only ends like the key (no "." before it) is another feature's
	writeWeights(t, dir, "output_features.module_dict.xy__ludwig._calibration_module.temperature", 3)
	_, err = calibrationTemperatures(dir, nil, []string{"y"})
	if err == nil || !strings.Contains(err.Error(), "calibration is on, but neither") {
		t.Fatalf("suffix without a dot matched: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model_weights.safetensors"), []byte("xx"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = calibrationTemperatures(dir, nil, []string{"y"})
	if err == nil || !strings.Contains(err.Error(), "calibration: ") || !strings.Contains(err.Error(), "not a safetensors file") {
		t.Fatalf("damaged weights: %v", err)
	}
}
