module github.com/ludwig-infer/ludwig-infer

go 1.22

require (
	github.com/json-iterator/go v1.1.12
	github.com/klauspost/compress v1.17.11
	github.com/stretchr/testify v1.12.1
	golang.org/x/image v0.24.0
	gonum.org/v1/gonum v0.15.1
)

require (
	github.com/modern-go/concurrent v0.0.0-20180228061459-e0a39a4cb421 // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
