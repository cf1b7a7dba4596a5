package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// readParquet reads a Parquet file (a Hugging Face dataset's shard) one row a record. Rows
// are numbered from 1 where other formats give lines. Values become what JSON decodes to:
// strings, numbers (json.Number), booleans, null, lists and objects; a binary value that is
// not UTF-8 text is binary data (an image's bytes), and a Hugging Face Image (a struct of
// bytes and path) an embedded image, which an image field reads as it is and which the
// default metadata leaves out.
func (r *recordReader) readParquet() {
	defer func() {
		// The decoder is a library's, fed a file from elsewhere: a panic in it on a damaged
		// file is that file's problem, reported as such.
		if p := recover(); p != nil {
			r.errorf(0, "invalid Parquet: %v", p)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(r.data), int64(len(r.data)))
	if err != nil {
		r.errorf(0, "invalid Parquet: %v", err)
		return
	}
	if n := f.NumRows(); n < 0 || n > math.MaxInt32 {
		r.errorf(0, "invalid Parquet: %d rows", n)
		return
	}
	pr := parquet.NewReader(f)
	defer pr.Close()
	for row := 1; ; row++ {
		var v any
		if err := pr.Read(&v); err != nil {
			if !errors.Is(err, io.EOF) {
				r.errorf(row, "invalid Parquet: %v", err)
			}
			return
		}
		r.records++
		r.record(parquetValue(v), "", false, row)
	}
}

// binaryValue is a binary value of a Parquet file that is not UTF-8 text: an image's bytes,
// read by an image field as they are. It is left out of the default metadata.
type binaryValue []byte

// embeddedImage is a Hugging Face Image value of a Parquet file: the image's bytes (nil when
// it is stored by path) and its path. It is left out of the default metadata.
type embeddedImage struct {
	data []byte
	path string
}

// parquetValue turns a value read from a Parquet row into what a record holds.
func parquetValue(v any) any {
	switch x := v.(type) {
	case nil, bool:
		return x
	case string:
		if utf8.ValidString(x) {
			return x
		}
		return binaryValue(x)
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return binaryValue(bytes.Clone(x))
	case int:
		return json.Number(strconv.Itoa(x))
	case int8, int16, int32, int64:
		return json.Number(fmt.Sprint(x))
	case uint, uint8, uint16, uint32, uint64:
		return json.Number(fmt.Sprint(x))
	case float32:
		return floatValue(float64(x), 32)
	case float64:
		return floatValue(x, 64)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = parquetValue(item)
		}
		return out
	case map[string]any:
		if img, ok := hfImage(x); ok {
			return img
		}
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = parquetValue(item)
		}
		return out
	}
	return fmt.Sprint(v)
}

// floatValue is a floating-point number as a record holds it: NaN (pandas' missing value) is
// null, an infinity its name.
func floatValue(f float64, bits int) any {
	switch {
	case math.IsNaN(f):
		return nil
	case math.IsInf(f, 0):
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, bits))
}

// hfImage reads a Hugging Face Image value: a struct of exactly bytes (binary, or null) and
// path (a string, or null).
func hfImage(m map[string]any) (embeddedImage, bool) {
	if len(m) != 2 {
		return embeddedImage{}, false
	}
	b, hasBytes := m["bytes"]
	p, hasPath := m["path"]
	if !hasBytes || !hasPath {
		return embeddedImage{}, false
	}
	var img embeddedImage
	switch x := b.(type) {
	case nil:
	case string:
		img.data = []byte(x)
	case []byte:
		img.data = bytes.Clone(x)
	default:
		return embeddedImage{}, false
	}
	switch x := p.(type) {
	case nil:
	case string:
		img.path = x
	default:
		return embeddedImage{}, false
	}
	if img.data == nil && img.path == "" {
		return embeddedImage{}, false
	}
	return img, true
}

// isBinary reports whether a record's value is binary data or embedded images, which the
// default metadata leaves out (a sample's metadata is written with every result).
func isBinary(v any) bool {
	switch x := v.(type) {
	case binaryValue, embeddedImage:
		return true
	case []any:
		for _, item := range x {
			if isBinary(item) {
				return true
			}
		}
	}
	return false
}

// numberOf returns the number written lit, of value f, as a record holds it: its literal
// text when that is a JSON number, else f formatted.
func numberOf(lit string, f float64) any {
	if json.Valid([]byte(lit)) {
		return json.Number(lit)
	}
	return floatValue(f, 64)
}
