package hubtest

import (
	"bytes"

	"github.com/parquet-go/parquet-go"
)

// Image is the Parquet type of a Hugging Face Image value, as the datasets library writes an
// image column: a struct of the image's bytes and its path.
func Image() parquet.Node {
	return parquet.Group{
		"bytes": parquet.Optional(parquet.Leaf(parquet.ByteArrayType)),
		"path":  parquet.Optional(parquet.String()),
	}
}

// ImageValue is a Hugging Face Image value as a row of Parquet holds it.
func ImageValue(data []byte, path string) map[string]any {
	v := map[string]any{"bytes": data, "path": nil}
	if path != "" {
		v["path"] = path
	}
	return v
}

// Parquet writes rows in a Parquet file of the given columns, in row groups of at most
// groupRows rows (0: one group). (parquet-go writes the zero value of an optional column as
// null: make a column that holds zeros required.)
func Parquet(columns parquet.Group, rows []map[string]any, groupRows int) ([]byte, error) {
	schema := parquet.NewSchema("schema", columns)
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[map[string]any](&buf, schema)
	for len(rows) > 0 {
		n := len(rows)
		if groupRows > 0 {
			n = min(n, groupRows)
		}
		if _, err := w.Write(rows[:n]); err != nil {
			return nil, err
		}
		if err := w.Flush(); err != nil {
			return nil, err
		}
		rows = rows[n:]
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
