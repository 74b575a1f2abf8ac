// Package pyproc preprocesses and postprocesses for a model saved by current
// Ludwig (0.13 and later) with LudwigModel.predict's semantics, reading only
// the saved folder's model_hyperparameters.json and
// training_set_metadata.json.
//
// Preprocess turns table columns into the tensors Ludwig's model receives
// (the inputs of the graph `ludwig export_model -f torch_export` writes, one
// per input feature, named by feature); Postprocess turns the graph's
// `<feature>::logits` outputs into LudwigModel.predict's columns, names and
// order. It is a second implementation beside core/native, which follows the
// TorchScript export's byte-wise string semantics: here strings are Unicode
// as Python's are (lowercasing, stripping, tokenizing), missing values are
// filled per the feature's missing_value_strategy before casting, an unseen
// category maps to <UNK> when the vocabulary has it and else to the most
// frequent category, and an unseen binary string is an error. Nothing here
// needs libtorch or Python.
package pyproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// The two files of a saved model folder this package reads.
const (
	HyperparametersFile = "model_hyperparameters.json"
	MetadataFile        = "training_set_metadata.json"
)

// Model is the preprocessing and postprocessing of one saved model. It is
// immutable after Parse and safe for concurrent use.
type Model struct {
	// LudwigVersion is the config's ludwig_version ("" when absent).
	LudwigVersion string
	inputs        []*inputFeature
	outputs       []*outputFeature
}

// Load reads the two JSON files of a saved model folder (the folder itself
// or its "model" subfolder, as LudwigModel.save writes it).
func Load(dir string) (*Model, error) {
	for _, d := range []string{dir, filepath.Join(dir, "model")} {
		hp, err := os.ReadFile(filepath.Join(d, HyperparametersFile))
		if err != nil {
			continue
		}
		md, err := os.ReadFile(filepath.Join(d, MetadataFile))
		if err != nil {
			return nil, status.Errorf(status.NotFound, "model folder %q has %s but no %s", d, HyperparametersFile, MetadataFile)
		}
		return Parse(hp, md)
	}
	return nil, status.Errorf(status.NotFound, "model folder %q has no %s", dir, HyperparametersFile)
}

// rawFeature is a feature of model_hyperparameters.json (the rendered
// config: every default filled in).
type rawFeature struct {
	Name          string          `json:"name"`
	Column        string          `json:"column"`
	Type          string          `json:"type"`
	Preprocessing json.RawMessage `json:"preprocessing"`
	Threshold     *float64        `json:"threshold"`
	Clip          []float64       `json:"clip"`
	Calibration   bool            `json:"calibration"`
	Loss          struct {
		Type string `json:"type"`
	} `json:"loss"`
	Decoder struct {
		Type string `json:"type"`
		// Calibration and MCDropoutSamples are decoder options from
		// 0.14 on (classifier, mlp_classifier), honoured by 0.14 only.
		Calibration      *string `json:"calibration"`
		MCDropoutSamples int     `json:"mc_dropout_samples"`
	} `json:"decoder"`
}

type rawConfig struct {
	LudwigVersion  string       `json:"ludwig_version"`
	ModelType      string       `json:"model_type"`
	InputFeatures  []rawFeature `json:"input_features"`
	OutputFeatures []rawFeature `json:"output_features"`
}

// Parse builds a Model from the contents of model_hyperparameters.json and
// training_set_metadata.json. A malformed file, a feature without metadata
// or an unsupported option is a status.Model error naming the feature.
func Parse(hyperparameters, metadata []byte) (*Model, error) {
	var cfg rawConfig
	if err := json.Unmarshal(hyperparameters, &cfg); err != nil {
		return nil, status.Errorf(status.Model, "%s: %v", HyperparametersFile, err)
	}
	if cfg.ModelType != "" && cfg.ModelType != "ecd" {
		return nil, status.Errorf(status.Model, "%s: model_type %q is not supported (only ecd)", HyperparametersFile, cfg.ModelType)
	}
	var meta map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(metadata))
	dec.UseNumber()
	if err := dec.Decode(&meta); err != nil {
		return nil, status.Errorf(status.Model, "%s: %v", MetadataFile, err)
	}
	m := &Model{LudwigVersion: cfg.LudwigVersion}
	for _, rf := range cfg.InputFeatures {
		f, err := newInput(rf, meta[rf.Name])
		if err != nil {
			return nil, err
		}
		m.inputs = append(m.inputs, f)
	}
	for _, rf := range cfg.OutputFeatures {
		f, err := newOutput(rf, meta[rf.Name], cfg.LudwigVersion)
		if err != nil {
			return nil, err
		}
		m.outputs = append(m.outputs, f)
	}
	if len(m.inputs) == 0 || len(m.outputs) == 0 {
		return nil, status.Errorf(status.Model, "%s: the config needs input_features and output_features", HyperparametersFile)
	}
	return m, nil
}

// featureMeta is the part of a feature's training_set_metadata.json entry
// this package uses; Preprocessing holds the feature's preprocessing
// parameters as training resolved them (computed_fill_value included).
type featureMeta struct {
	Str2Idx           orderedInts     `json:"str2idx"`
	Idx2Str           []string        `json:"idx2str"`
	Str2Freq          orderedInts     `json:"str2freq"`
	Str2Bool          map[string]bool `json:"str2bool"`
	Bool2Str          []string        `json:"bool2str"`
	Mean              *float64        `json:"mean"`
	Std               *float64        `json:"std"`
	Min               *float64        `json:"min"`
	Max               *float64        `json:"max"`
	Q1                *float64        `json:"q1"`
	Q2                *float64        `json:"q2"`
	Q3                *float64        `json:"q3"`
	VectorSize        *int            `json:"vector_size"`
	MaxSequenceLength *int            `json:"max_sequence_length"`
	MaxTimeseriesLen  *int            `json:"max_timeseries_length"`
	PaddingSymbol     string          `json:"padding_symbol"`
	UnknownSymbol     string          `json:"unknown_symbol"`
	Preprocessing     preprocessing   `json:"preprocessing"`
}

// preprocessing holds the preprocessing parameters used here.
type preprocessing struct {
	MissingValueStrategy     string   `json:"missing_value_strategy"`
	ComputedFillValue        any      `json:"computed_fill_value"`
	FillValue                any      `json:"fill_value"`
	Normalization            *string  `json:"normalization"`
	OutlierStrategy          *string  `json:"outlier_strategy"`
	OutlierThreshold         *float64 `json:"outlier_threshold"`
	ComputedOutlierFillValue any      `json:"computed_outlier_fill_value"`
	Tokenizer                string   `json:"tokenizer"`
	Lowercase                bool     `json:"lowercase"`
	Padding                  string   `json:"padding"`
	PaddingSymbol            string   `json:"padding_symbol"`
	UnknownSymbol            string   `json:"unknown_symbol"`
	PaddingValue             *float64 `json:"padding_value"`
	DatetimeFormat           *string  `json:"datetime_format"`
	FallbackTrueLabel        *string  `json:"fallback_true_label"`
	WindowSize               int      `json:"window_size"`
	Horizon                  int      `json:"horizon"`
	CacheEncoderEmbeddings   bool     `json:"cache_encoder_embeddings"`
}

// orderedInts is a JSON object of integers that keeps its keys' order
// (Python dicts are ordered, and Ludwig's "most frequent" picks the first
// maximum in that order).
type orderedInts struct {
	Keys   []string
	Values map[string]int64
}

// UnmarshalJSON reads the object in order.
func (o *orderedInts) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("want an object of integers")
	}
	o.Values = map[string]int64{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		var n json.Number
		if err := dec.Decode(&n); err != nil {
			return fmt.Errorf("key %q: %v", k, err)
		}
		v, err := n.Int64()
		if err != nil {
			return fmt.Errorf("key %q: %v", k, err)
		}
		if _, dup := o.Values[k]; !dup {
			o.Keys = append(o.Keys, k)
		}
		o.Values[k] = v
	}
	_, err := dec.Token()
	return err
}

func parseMeta(kind, name, typ string, raw json.RawMessage) (*featureMeta, error) {
	if len(raw) == 0 {
		return nil, status.Errorf(status.Model, "%s feature %q (%s): %s has no entry for it", kind, name, typ, MetadataFile)
	}
	var fm featureMeta
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&fm); err != nil {
		return nil, status.Errorf(status.Model, "%s feature %q (%s): %s: %v", kind, name, typ, MetadataFile, err)
	}
	return &fm, nil
}
