package script

import (
	"fmt"
	"sort"
)

// Program is the parsed code of one archive: its classes and free
// functions by qualified name ("__torch__.ludwig.models.ecd.ECD").
type Program struct {
	Classes map[string]*Class
	Funcs   map[string]*Def
}

// ParseSources parses every code file of an archive (ptfile.Archive.Sources:
// qualified file name -> text).
func ParseSources(sources map[string]string) (*Program, error) {
	p := &Program{Classes: map[string]*Class{}, Funcs: map[string]*Def{}}
	names := make([]string, 0, len(sources))
	for q := range sources {
		names = append(names, q)
	}
	sort.Strings(names)
	for _, q := range names {
		f, err := Parse(sources[q])
		if err != nil {
			return nil, fmt.Errorf("code of %s: %v", q, err)
		}
		for _, c := range f.Classes {
			p.Classes[q+"."+c.Name] = c
		}
		for _, d := range f.Funcs {
			p.Funcs[q+"."+d.Name] = d
		}
	}
	return p, nil
}

// ClassOps returns the sorted aten operators the methods of the class use
// (its submodules' and the free functions' it calls excluded).
func (p *Program) ClassOps(qualified string) ([]string, error) {
	c, ok := p.Classes[qualified]
	if !ok {
		return nil, fmt.Errorf("the archive has no code for class %s", qualified)
	}
	return MethodOps(c.Methods), nil
}
