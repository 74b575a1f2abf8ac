// Command opscan lists, for each model.pt2 given, the graph's operator overloads that the Go
// engine (core/pt2) does not run: the conformance suite's diagnosis of a case whose load fails.
//
//	go run ./conformance/current/opscan conformance/work-0.17.10/cases/*/helper/model.pt2
//
// One line per file: its case/export folder and the missing overloads (sorted; [] when none).
// TorchScript files (no models/model.json) print "not a PT2 archive".
package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/pt2"
)

type program struct {
	GraphModule struct {
		Graph struct {
			Nodes []struct {
				Target string `json:"target"`
			} `json:"nodes"`
		} `json:"graph"`
	} `json:"graph_module"`
}

func missing(path string) ([]string, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, "models/model.json") && !strings.HasSuffix(f.Name, "serialized_exported_program.json") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, err
		}
		var p program
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		seen := map[string]bool{}
		out := []string{}
		for _, n := range p.GraphModule.Graph.Nodes {
			if !seen[n.Target] && !pt2.Supported(n.Target) {
				out = append(out, n.Target)
			}
			seen[n.Target] = true
		}
		sort.Strings(out)
		return out, nil
	}
	return nil, fmt.Errorf("not a PT2 archive")
}

func main() {
	status := 0
	for _, p := range os.Args[1:] {
		name := filepath.Join(filepath.Base(filepath.Dir(filepath.Dir(p))), filepath.Base(filepath.Dir(p)))
		ops, err := missing(p)
		if err != nil {
			fmt.Printf("%s: %v\n", name, err)
			status = 1
			continue
		}
		fmt.Printf("%s: %v\n", name, ops)
	}
	os.Exit(status)
}
