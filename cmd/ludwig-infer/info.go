package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/ludwig-infer/ludwig-infer/core"
)

func init() {
	register("info", "print a model's schema: inputs, outputs, files, devices (JSON)", runInfo)
}

func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "export directory, or a model folder saved by Ludwig >= 0.13 with its model.pt2 (required)")
	device := fs.String("device", "cpu", "predictor device: cpu, cuda, cuda:N")
	stages := stagesFlag(fs)
	eng := engineFlag(fs)
	graph := graphFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *model == "" {
		fmt.Fprintln(stderr, "ludwig-infer info: --model is required")
		fs.Usage()
		return 2
	}
	m, err := core.Load(*model, core.LoadOptions{Device: *device, Stages: *stages, Engine: *eng, Graph: *graph})
	if err != nil {
		return fail(stderr, "info", err)
	}
	defer m.Close()
	var buf bytes.Buffer
	_ = json.Indent(&buf, m.InfoJSON(), "", "  ")
	buf.WriteByte('\n')
	_, _ = stdout.Write(buf.Bytes())
	return 0
}
