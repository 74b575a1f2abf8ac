// Package extension finds and loads the libtorch custom-op libraries an
// export needs (torchaudio's, torchtext's) before its modules are loaded.
package extension

import (
	"archive/zip"
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Custom-op libraries found and loaded automatically (LoadAuto).
//
// A TorchScript archive stores the code of every scripted function it calls
// under <root>/code/__torch__/<module path>/; the code is compressed but the
// entry names are not. An export whose code includes torchaudio functions
// (every Ludwig audio export: its preprocessing calls
// torchaudio.functional.lfilter, i.e. the custom op torchaudio::_lfilter)
// needs torchaudio's C++ library loaded before torch::jit::load. Load finds
// it next to the libtorch in use (a pip install: site-packages/torch/lib ->
// site-packages/torchaudio/lib) or, when libtorch is the distribution's, in
// Debian's python3-torchaudio (/usr/lib/python3/dist-packages/torchaudio/lib,
// built against Debian's libtorch 1.13). A library found for another
// libtorch is never loaded (two libtorch copies in a process crash). When
// none is found, loading goes on and fails with a message naming the missing
// op namespace and the library (stage.LoadModule). The "extensions" load option
// names libraries explicitly; the environment variable
// LUDWIG_INFER_NO_AUTO_EXTENSIONS=1 turns the automatic search off.

// autoExtension is a custom-op library an export may need.
type autoExtension struct {
	namespace string // code/__torch__/<namespace>/ in the archive
	rel       string // path under a Python site-packages folder
}

var autoExtensions = []autoExtension{
	{namespace: "torchaudio", rel: "torchaudio/lib/libtorchaudio.so"},
	{namespace: "torchtext", rel: "torchtext/lib/libtorchtext.so"},
}

var (
	autoMu     sync.Mutex
	autoLoaded = map[string]string{} // namespace -> library loaded for it
)

// neededNamespaces lists the custom-op namespaces of autoExtensions whose
// code the export's .pt files contain.
func neededNamespaces(files export.Files) []string {
	found := map[string]bool{}
	for _, p := range []string{files.Preprocessor, files.Predictor, files.Postprocessor} {
		if p == "" {
			continue
		}
		// Opening a FIFO blocks forever: leave non-regular files to
		// stage.LoadModule's archive check, which reports them.
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		zr, err := zip.OpenReader(p)
		if err != nil {
			continue // not a zip: torch::jit::load reports it
		}
		for _, f := range zr.File {
			for _, ext := range autoExtensions {
				if strings.Contains(f.Name, "code/__torch__/"+ext.namespace+"/") {
					found[ext.namespace] = true
				}
			}
		}
		zr.Close()
	}
	out := make([]string, 0, len(found))
	for ns := range found {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// libtorchDir returns the folder of the libtorch_cpu.so mapped into this
// process ("" when unknown).
func libtorchDir() string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "/"); i >= 0 && strings.Contains(line, "libtorch_cpu.so") {
			return filepath.Dir(line[i:])
		}
	}
	return ""
}

// extensionCandidates lists where the library of ext may be, best first:
// beside the libtorch in use, then Debian's package when libtorch is
// Debian's.
func extensionCandidates(ext autoExtension, torchDir string) []string {
	var out []string
	if torchDir != "" {
		// pip: site-packages/torch/lib/libtorch_cpu.so
		site := filepath.Dir(filepath.Dir(torchDir))
		out = append(out, filepath.Join(site, ext.rel))
	}
	if torchDir == "" || strings.HasPrefix(torchDir, "/usr/lib") {
		out = append(out, filepath.Join("/usr/lib/python3/dist-packages", ext.rel))
	}
	return out
}

// Log receives LoadAuto's messages.
type Log struct {
	Info, Warn func(format string, args ...any)
}

// LoadAuto loads the custom-op libraries the export in files needs and
// that explicit (the "extensions" option) does not already name. It never
// fails: a library that cannot be found or loaded is logged, and loading
// the module then reports the missing ops.
func LoadAuto(files export.Files, explicit []string, log Log) {
	if os.Getenv("LUDWIG_INFER_NO_AUTO_EXTENSIONS") == "1" {
		return
	}
	needed := neededNamespaces(files)
	if len(needed) == 0 {
		return
	}
	autoMu.Lock()
	defer autoMu.Unlock()
	torchDir := libtorchDir()
	for _, ns := range needed {
		if _, ok := autoLoaded[ns]; ok {
			continue
		}
		var ext autoExtension
		for _, e := range autoExtensions {
			if e.namespace == ns {
				ext = e
			}
		}
		named := false
		for _, p := range explicit {
			if filepath.Base(p) == filepath.Base(ext.rel) {
				named = true
			}
		}
		if named {
			autoLoaded[ns] = "(explicit)"
			continue
		}
		loaded := false
		for _, cand := range extensionCandidates(ext, torchDir) {
			if _, err := os.Stat(cand); err != nil {
				continue
			}
			if err := torch.LoadLibrary(cand); err != nil {
				log.Warn("the export uses %s code; found %s but could not load it: %v", ns, cand, err)
				continue
			}
			log.Info("the export uses %s code: loaded %s", ns, cand)
			autoLoaded[ns] = cand
			loaded = true
			break
		}
		if !loaded {
			log.Warn("the export uses %s code but %s was not found beside libtorch (%s); if loading fails with unknown %s ops, pass the library with the \"extensions\" load option", ns, filepath.Base(ext.rel), torchDir, ns)
		}
	}
}
