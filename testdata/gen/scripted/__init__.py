"""The scripted modules our test exports are compiled from: written by this project from the
behaviour in shared/docs/ludwig-export-contract.md, docs/native.md and the conformance suite's
observations of real Ludwig exports (class paths, attribute names and types, forward signatures,
output keys, dtypes and semantics). See testdata/README.md."""
