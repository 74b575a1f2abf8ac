module github.com/ludwig-infer/ludwig-infer/bench/gonum

go 1.26.0

replace github.com/ludwig-infer/ludwig-infer => ../..

require (
	github.com/ludwig-infer/ludwig-infer v0.0.0-00010101000000-000000000000
	gonum.org/v1/gonum v0.17.0
)
