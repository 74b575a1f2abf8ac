// Package status defines ludwig-infer's error codes and the error type that
// carries them through every layer, to the C ABI's li_status, the bindings'
// exception classes and the server's HTTP codes.
package status

import (
	"errors"
	"fmt"
)

// Code is a status code; its values equal li_status in include/ludwig_infer.h
// and never change.
type Code int

// The status codes. See include/ludwig_infer.h for their meaning.
const (
	OK              Code = 0
	InvalidArgument Code = 1
	NotFound        Code = 2
	Model           Code = 3
	Input           Code = 4
	Runtime         Code = 5
	Closed          Code = 6
	Cancelled       Code = 7
	Internal        Code = 8
)

var names = [...]string{
	"LI_OK", "LI_ERR_INVALID_ARGUMENT", "LI_ERR_NOT_FOUND", "LI_ERR_MODEL",
	"LI_ERR_INPUT", "LI_ERR_RUNTIME", "LI_ERR_CLOSED", "LI_ERR_CANCELLED", "LI_ERR_INTERNAL",
}

// String returns the code's C name ("LI_ERR_INPUT"), or "unknown status".
func (c Code) String() string {
	if c >= 0 && int(c) < len(names) {
		return names[c]
	}
	return "unknown status"
}

// Error is an error with a status code. Msg is the whole human-readable
// message (it does not repeat the code's name).
type Error struct {
	Code Code
	Msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Errorf makes an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err: OK for nil, the code of the first *Error in
// its chain, otherwise Internal.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
