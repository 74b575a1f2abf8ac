// Command ludwig-infer runs Ludwig TorchScript exports: `predict` scores a
// file of rows, `info` describes a model, and further subcommands register
// themselves from their own files (see command below).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// command is one subcommand. run gets the arguments after the subcommand's
// name and returns the process exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands is filled by each subcommand file's init.
var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary: summary, run: run}
}

// newFlagSet is a subcommand's flags: --help prints usage, then the
// options, on stderr, as do the errors.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs; when that stops the run, ok is false and
// code is its exit code (0 after --help, 2 for bad flags).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

func versionString() string {
	tv := torch.Version()
	if tv == "" {
		tv = "none"
	}
	return fmt.Sprintf("ludwig-infer %s (ABI %d, libtorch %s)", core.Version, core.ABIVersion, tv)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nRuns models exported by Ludwig's TorchScript export (export_torchscript).\n\nUsage: ludwig-infer <command> [options]\n\nCommands:\n", versionString())
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'ludwig-infer <command> --help' for a command's options.\nLoading a model runs code stored in its .pt files: load only models you trust.\n")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	case "-V", "--version", "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ludwig-infer: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

// exitCode maps an error to the process exit code: 2 for usage errors, 1
// otherwise.
func exitCode(err error) int {
	if status.CodeOf(err) == status.InvalidArgument {
		return 2
	}
	return 1
}

// fail prints "ludwig-infer <cmd>: <err>" and returns the exit code.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "ludwig-infer %s: %s\n", cmd, strings.TrimSpace(err.Error()))
	return exitCode(err)
}

// engineFlag defines --engine, the core's Engine load option.
func engineFlag(fs *flag.FlagSet) *string {
	return fs.String("engine", "auto", "what runs the predictor: auto (libtorch when this build has it, else Go), libtorch or go")
}

// graphFlag defines --graph, the core's Graph load option.
func graphFlag(fs *flag.FlagSet) *string {
	return fs.String("graph", "", "the model.pt2 of a model folder saved by Ludwig >= 0.13, when it is not inside the folder --model names (ludwig export_model -f torch_export writes it elsewhere)")
}

// stagesFlag defines --stages, the core's Stages load option.
func stagesFlag(fs *flag.FlagSet) *string {
	return fs.String("stages", "auto", "how pre/postprocessing run: auto (native Go where the module is recognised, TorchScript elsewhere), native (fail unless all native) or torchscript")
}
