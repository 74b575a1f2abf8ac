package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/core/triton"
)

func init() {
	register("export-triton", "write a Triton Inference Server model repository (three stages + ensemble)", runExportTriton)
}

const exportTritonUsage = `Usage: ludwig-infer export-triton --model PATH --output REPO [options]

Writes a Triton Inference Server model repository for the model at PATH (an
export directory, a scripted InferenceModule .pt or a .carton), as Ludwig's
export_triton did:

  REPO/NAME_preprocessor/config.pbtxt, VERSION/model.pt    (whole batches, CPU)
  REPO/NAME_predictor/config.pbtxt, VERSION/model.pt       (dynamic batching)
  REPO/NAME_postprocessor/config.pbtxt, VERSION/model.pt   (whole batches, CPU)
  REPO/NAME/config.pbtxt, VERSION/                         (the ensemble)

Each model.pt is a stage wrapped for Triton's libtorch backend: positional
inputs INPUT__0... (List[str] for TYPE_STRING), a tuple of outputs OUTPUT__0...
Send requests to the ensemble NAME: one input per input feature, named by
feature (strings for binary, category, set, bag, text, sequence and
timeseries features; FP64 for numbers, INT64 for h3 ids, INT64 [B, 9] for
dates, FP32 [B, D] for vectors, UINT8 [B, C, H, W] for images), every input
with the batch as its first dimension. Outputs are named "<feature>::<key>"
(e.g. "plan::predictions"); set and sequence predictions come as one string
per row, tokens joined by spaces; set probabilities are left out. A request
may carry at most --max-batch-size rows.

The stages' output names, types and shapes are traced by running the model on
two generated rows, or on the rows of --sample (a JSON request in any of the
library's forms: column dict, records, split) - needed for image features and
for vectors whose size the metadata does not give. Afterwards the repository
is checked and run in libtorch the way Triton runs an ensemble, and must
reproduce the model's own outputs on those rows (--no-verify skips this).

Options:
`

func runExportTriton(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("export-triton", exportTritonUsage, stderr)
	model := fs.String("model", "", "model: export directory, InferenceModule .pt or .carton (required)")
	output := fs.String("output", "", "model repository folder to write into (required)")
	name := fs.String("name", "ludwig_model", "ensemble name; the stage models are NAME_preprocessor, NAME_predictor, NAME_postprocessor")
	version := fs.Int("version", 1, "model version folder")
	maxBatch := fs.Int("max-batch-size", 64, "the predictor's max_batch_size (rows per request at most); 0 turns batching off")
	delay := fs.Int("max-queue-delay-us", 100, "the predictor's dynamic batching delay in microseconds")
	device := fs.String("device", "cpu", "the predictor's instance kind: cpu or cuda")
	sample := fs.String("sample", "", "JSON request whose rows trace the stages (default: two generated rows)")
	noVerify := fs.Bool("no-verify", false, "do not run the written repository to check it")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *model == "" || *output == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "ludwig-infer export-triton: --model and --output are required")
		fs.Usage()
		return 2
	}
	if *device != "cpu" && *device != "cuda" {
		return fail(stderr, "export-triton", status.Errorf(status.InvalidArgument, "--device %q: want cpu or cuda", *device))
	}
	if !torch.Available {
		return fail(stderr, "export-triton", status.Errorf(status.InvalidArgument, "export-triton wraps, traces and verifies the stages in libtorch, and this build has none: use a build with libtorch (./build.sh)"))
	}
	// The model is traced on the CPU whatever the predictor's Triton device.
	m, err := core.Load(*model, core.LoadOptions{Device: "cpu"})
	if err != nil {
		return fail(stderr, "export-triton", err)
	}
	defer m.Close()
	var inputs []featurize.Input
	if *sample != "" {
		b, err := os.ReadFile(*sample)
		if err != nil {
			return fail(stderr, "export-triton", status.Errorf(status.NotFound, "--sample: %v", err))
		}
		abs, _ := filepath.Abs(*sample)
		if inputs, err = m.Featurize(core.Request{JSON: b, BaseDir: filepath.Dir(abs)}); err != nil {
			return fail(stderr, "export-triton", err)
		}
	}
	rep, err := triton.Export(m, *output, triton.Options{
		Name: *name, Version: *version, MaxBatchSize: *maxBatch, MaxQueueDelayMicroseconds: *delay,
		Device: *device, Inputs: inputs, NoVerify: *noVerify,
	})
	if err != nil {
		return fail(stderr, "export-triton", err)
	}
	for _, d := range rep.Models {
		fmt.Fprintf(stdout, "wrote %s\n", d)
	}
	for _, k := range rep.Skipped {
		fmt.Fprintf(stderr, "ludwig-infer export-triton: left out %s: a list of tensors of varying length has no Triton form\n", k)
	}
	if rep.Verified {
		fmt.Fprintf(stdout, "verified: the ensemble, run in libtorch as Triton runs it, reproduces the model\n")
	}
	return 0
}
