package triton

import (
	"fmt"
	"strconv"
	"strings"
)

// A reader of config.pbtxt: protobuf text format, checked against the
// message schema of Triton's model_config.proto (the messages and fields a
// Ludwig model repository can use; anything else is an error, as an unknown
// field is for Triton).

type pbField struct {
	name  string
	line  int
	value any // *pbScalar or *pbMessage
}

type pbScalar struct {
	text   string
	quoted bool
}

type pbMessage struct {
	fields []pbField
}

type pbParser struct {
	s    string
	i    int
	line int
}

func (p *pbParser) errorf(format string, args ...any) error {
	return fmt.Errorf("config.pbtxt line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *pbParser) skip() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\n':
			p.line++
			p.i++
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *pbParser) peek() byte {
	p.skip()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '+' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (p *pbParser) token() (string, error) {
	p.skip()
	j := p.i
	for p.i < len(p.s) && isIdent(p.s[p.i]) {
		p.i++
	}
	if j == p.i {
		if p.i >= len(p.s) {
			return "", p.errorf("unexpected end of file")
		}
		return "", p.errorf("unexpected %q", p.s[p.i])
	}
	return p.s[j:p.i], nil
}

func (p *pbParser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) || p.s[p.i] == '\n' {
			return "", p.errorf("unterminated string")
		}
		c := p.s[p.i]
		p.i++
		if c == q {
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated escape")
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\'', '\\':
			b.WriteByte(e)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := p.i - 1
			for p.i < len(p.s) && p.i-j < 3 && p.s[p.i] >= '0' && p.s[p.i] <= '7' {
				p.i++
			}
			n, _ := strconv.ParseUint(p.s[j:p.i], 8, 8)
			b.WriteByte(byte(n))
		default:
			return "", p.errorf("unknown escape \\%c", e)
		}
	}
	// Adjacent string literals concatenate.
	if c := p.peek(); c == '"' || c == '\'' {
		rest, err := p.str()
		return b.String() + rest, err
	}
	return b.String(), nil
}

func (p *pbParser) scalar() (*pbScalar, error) {
	if c := p.peek(); c == '"' || c == '\'' {
		s, err := p.str()
		return &pbScalar{text: s, quoted: true}, err
	}
	t, err := p.token()
	return &pbScalar{text: t}, err
}

// message reads fields until end (0 for the end of input, else '}').
func (p *pbParser) message(end byte) (*pbMessage, error) {
	m := &pbMessage{}
	for {
		c := p.peek()
		if c == end {
			if end != 0 {
				p.i++
			}
			return m, nil
		}
		if c == 0 {
			return nil, p.errorf("missing %q", end)
		}
		name, err := p.token()
		if err != nil {
			return nil, err
		}
		line := p.line
		colon := false
		if p.peek() == ':' {
			p.i++
			colon = true
		}
		switch p.peek() {
		case '{', '<':
			v, err := p.sub()
			if err != nil {
				return nil, err
			}
			m.fields = append(m.fields, pbField{name, line, v})
		case '[':
			p.i++
			for {
				if p.peek() == ']' {
					p.i++
					break
				}
				var v any
				if c := p.peek(); c == '{' || c == '<' {
					v, err = p.sub()
				} else {
					v, err = p.scalar()
				}
				if err != nil {
					return nil, err
				}
				m.fields = append(m.fields, pbField{name, line, v})
				if p.peek() == ',' {
					p.i++
				} else if p.peek() != ']' {
					return nil, p.errorf("expected , or ] in the list of %s", name)
				}
			}
		default:
			if !colon {
				return nil, p.errorf("expected : after %s", name)
			}
			v, err := p.scalar()
			if err != nil {
				return nil, err
			}
			m.fields = append(m.fields, pbField{name, line, v})
		}
		if c := p.peek(); c == ',' || c == ';' {
			p.i++
		}
	}
}

func (p *pbParser) sub() (*pbMessage, error) {
	open := p.s[p.i]
	p.i++
	end := byte('}')
	if open == '<' {
		end = '>'
	}
	return p.message(end)
}

// The schema: per message, its fields' kinds. "msg:X" is a message, "map:X"
// a map<string, X> (entries {key, value}), "enum:X" an enum.
type fieldSpec struct {
	kind     string
	repeated bool
}

var messages = map[string]map[string]fieldSpec{
	"ModelConfig": {
		"name": {"string", false}, "platform": {"string", false}, "backend": {"string", false},
		"runtime": {"string", false}, "max_batch_size": {"int", false},
		"input": {"msg:ModelInput", true}, "output": {"msg:ModelOutput", true},
		"instance_group": {"msg:ModelInstanceGroup", true}, "dynamic_batching": {"msg:ModelDynamicBatching", false},
		"ensemble_scheduling": {"msg:ModelEnsembling", false}, "parameters": {"map:ModelParameter", true},
		"default_model_filename": {"string", false}, "version_policy": {"msg:ModelVersionPolicy", false},
	},
	"ModelInput": {
		"name": {"string", false}, "data_type": {"enum:DataType", false}, "format": {"enum:Format", false},
		"dims": {"int", true}, "reshape": {"msg:ModelTensorReshape", false}, "is_shape_tensor": {"bool", false},
		"allow_ragged_batch": {"bool", false}, "optional": {"bool", false},
	},
	"ModelOutput": {
		"name": {"string", false}, "data_type": {"enum:DataType", false}, "dims": {"int", true},
		"reshape": {"msg:ModelTensorReshape", false}, "label_filename": {"string", false}, "is_shape_tensor": {"bool", false},
	},
	"ModelTensorReshape": {"shape": {"int", true}},
	"ModelInstanceGroup": {
		"name": {"string", false}, "kind": {"enum:Kind", false}, "count": {"int", false}, "gpus": {"int", true},
	},
	"ModelDynamicBatching": {
		"preferred_batch_size": {"int", true}, "max_queue_delay_microseconds": {"uint", false},
		"preserve_ordering": {"bool", false},
	},
	"ModelEnsembling": {"step": {"msg:Step", true}},
	"Step": {
		"model_name": {"string", false}, "model_version": {"int", false},
		"input_map": {"map:string", true}, "output_map": {"map:string", true},
	},
	"ModelParameter":     {"string_value": {"string", false}},
	"ModelVersionPolicy": {"latest": {"msg:Latest", false}, "all": {"msg:All", false}, "specific": {"msg:Specific", false}},
	"Latest":             {"num_versions": {"int", false}},
	"All":                {},
	"Specific":           {"versions": {"int", true}},
}

var enums = map[string]map[string]bool{
	"DataType": {},
	"Kind":     {"KIND_AUTO": true, "KIND_GPU": true, "KIND_CPU": true, "KIND_MODEL": true},
	"Format":   {"FORMAT_NONE": true, "FORMAT_NHWC": true, "FORMAT_NCHW": true},
}

func init() {
	for k := range DataTypes {
		enums["DataType"][k] = true
	}
}

// check validates a parsed message against the schema.
func check(m *pbMessage, msg, path string) error {
	spec := messages[msg]
	seen := map[string]bool{}
	for _, f := range m.fields {
		fs, ok := spec[f.name]
		where := fmt.Sprintf("line %d: %s%s", f.line, path, f.name)
		if !ok {
			return fmt.Errorf("%s: %s has no field %q", where, msg, f.name)
		}
		if seen[f.name] && !fs.repeated {
			return fmt.Errorf("%s: field given twice", where)
		}
		seen[f.name] = true
		kind := fs.kind
		switch {
		case strings.HasPrefix(kind, "msg:"):
			sub, ok := f.value.(*pbMessage)
			if !ok {
				return fmt.Errorf("%s: want a message", where)
			}
			if err := check(sub, kind[4:], path+f.name+"."); err != nil {
				return err
			}
		case strings.HasPrefix(kind, "map:"):
			sub, ok := f.value.(*pbMessage)
			if !ok {
				return fmt.Errorf("%s: want a map entry {key, value}", where)
			}
			var key, value *pbField
			for i := range sub.fields {
				switch sub.fields[i].name {
				case "key":
					key = &sub.fields[i]
				case "value":
					value = &sub.fields[i]
				default:
					return fmt.Errorf("%s: a map entry has only key and value, not %q", where, sub.fields[i].name)
				}
			}
			if key == nil || value == nil {
				return fmt.Errorf("%s: a map entry needs a key and a value", where)
			}
			if k, ok := key.value.(*pbScalar); !ok || !k.quoted {
				return fmt.Errorf("%s: a map key must be a string", where)
			}
			if kind == "map:string" {
				if v, ok := value.value.(*pbScalar); !ok || !v.quoted {
					return fmt.Errorf("%s: a map value must be a string", where)
				}
			} else if vm, ok := value.value.(*pbMessage); !ok {
				return fmt.Errorf("%s: a map value must be a message", where)
			} else if err := check(vm, kind[4:], path+f.name+".value."); err != nil {
				return err
			}
		default:
			sc, ok := f.value.(*pbScalar)
			if !ok {
				return fmt.Errorf("%s: want a %s, not a message", where, kind)
			}
			if err := checkScalar(sc, kind); err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
		}
	}
	return nil
}

func checkScalar(sc *pbScalar, kind string) error {
	switch {
	case kind == "string":
		if !sc.quoted {
			return fmt.Errorf("want a quoted string, got %s", sc.text)
		}
	case kind == "int" || kind == "uint":
		n, err := strconv.ParseInt(sc.text, 0, 64)
		if sc.quoted || err != nil {
			return fmt.Errorf("want an integer, got %q", sc.text)
		}
		if kind == "uint" && n < 0 {
			return fmt.Errorf("want a non-negative integer, got %d", n)
		}
	case kind == "bool":
		if sc.quoted || (sc.text != "true" && sc.text != "false") {
			return fmt.Errorf("want true or false, got %q", sc.text)
		}
	case strings.HasPrefix(kind, "enum:"):
		if sc.quoted || !enums[kind[5:]][sc.text] {
			return fmt.Errorf("%q is not a %s", sc.text, kind[5:])
		}
	}
	return nil
}

// ParseConfig reads a config.pbtxt, checks it against the schema above and
// returns the fields the export uses.
func ParseConfig(src string) (*Config, error) {
	p := &pbParser{s: src, line: 1}
	m, err := p.message(0)
	if err != nil {
		return nil, err
	}
	if err := check(m, "ModelConfig", ""); err != nil {
		return nil, fmt.Errorf("config.pbtxt %v", err)
	}
	c := &Config{Parameters: map[string]string{}}
	for _, f := range m.fields {
		switch f.name {
		case "name":
			c.Name = f.value.(*pbScalar).text
		case "platform":
			c.Platform = f.value.(*pbScalar).text
		case "max_batch_size":
			c.MaxBatchSize = atoi(f.value)
		case "input":
			c.Inputs = append(c.Inputs, tensorOf(f.value.(*pbMessage)))
		case "output":
			c.Outputs = append(c.Outputs, tensorOf(f.value.(*pbMessage)))
		case "instance_group":
			var g Instances
			for _, x := range f.value.(*pbMessage).fields {
				switch x.name {
				case "count":
					g.Count = atoi(x.value)
				case "kind":
					g.Kind = x.value.(*pbScalar).text
				}
			}
			c.Instances = append(c.Instances, g)
		case "dynamic_batching":
			d := &DynamicBatching{}
			for _, x := range f.value.(*pbMessage).fields {
				switch x.name {
				case "max_queue_delay_microseconds":
					d.MaxQueueDelayMicroseconds = atoi(x.value)
				case "preferred_batch_size":
					d.PreferredBatchSize = append(d.PreferredBatchSize, atoi(x.value))
				}
			}
			c.DynamicBatching = d
		case "parameters":
			k, v := mapEntry(f.value.(*pbMessage))
			c.Parameters[k] = v
		case "ensemble_scheduling":
			for _, s := range f.value.(*pbMessage).fields {
				var st Step
				for _, x := range s.value.(*pbMessage).fields {
					switch x.name {
					case "model_name":
						st.ModelName = x.value.(*pbScalar).text
					case "model_version":
						st.ModelVersion = atoi(x.value)
					case "input_map":
						k, v := mapEntry(x.value.(*pbMessage))
						st.InputMap = append(st.InputMap, KV{k, v})
					case "output_map":
						k, v := mapEntry(x.value.(*pbMessage))
						st.OutputMap = append(st.OutputMap, KV{k, v})
					}
				}
				c.Steps = append(c.Steps, st)
			}
		}
	}
	return c, nil
}

func atoi(v any) int64 {
	n, _ := strconv.ParseInt(v.(*pbScalar).text, 0, 64)
	return n
}

func tensorOf(m *pbMessage) Tensor {
	var t Tensor
	for _, f := range m.fields {
		switch f.name {
		case "name":
			t.Name = f.value.(*pbScalar).text
		case "data_type":
			t.DataType = f.value.(*pbScalar).text
		case "dims":
			t.Dims = append(t.Dims, atoi(f.value))
		case "reshape":
			t.Reshape = []int64{}
			for _, x := range f.value.(*pbMessage).fields {
				t.Reshape = append(t.Reshape, atoi(x.value))
			}
		}
	}
	return t
}

// mapEntry reads a checked {key, value} entry; a message value yields its
// string_value (ModelParameter).
func mapEntry(m *pbMessage) (string, string) {
	var k, v string
	for _, f := range m.fields {
		switch f.name {
		case "key":
			k = f.value.(*pbScalar).text
		case "value":
			switch x := f.value.(type) {
			case *pbScalar:
				v = x.text
			case *pbMessage:
				for _, y := range x.fields {
					if y.name == "string_value" {
						v = y.value.(*pbScalar).text
					}
				}
			}
		}
	}
	return k, v
}
