package store

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// maxEntryBytes caps one file of an imported archive.
const maxEntryBytes = 64 << 20

// Export writes the store as a gzipped tar archive: its marker, records and blobs in order of
// path, each a regular file of mode 0644, owner 0, time 1970-01-01. The same store gives the
// same bytes on any machine.
func Export(s *Store, w io.Writer) error {
	var paths []string
	err := fs.WalkDir(s.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && storeFile(p) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("search store export: %w", err)
	}
	slices.Sort(paths)
	zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, p := range paths {
		b, err := fs.ReadFile(s.fsys, p)
		if err != nil {
			return fmt.Errorf("search store export: %w", err)
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("search store export: %w", err)
		}
		if _, err := tw.Write(b); err != nil {
			return fmt.Errorf("search store export: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("search store export: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("search store export: %w", err)
	}
	return nil
}

// ImportOptions configure Import and Merge.
type ImportOptions struct {
	// Overwrite replaces records the store holds with different content; by default the
	// store's are kept and counted as conflicts.
	Overwrite bool
}

// ImportStats counts what an import did.
type ImportStats struct {
	// Records and Blobs were written (new, or replaced with Overwrite).
	Records, Blobs int
	// Same counts records the store already held as they were.
	Same int
	// Conflicts lists, sorted, the keys of records the store held with other content (kept
	// unless Overwrite).
	Conflicts []string
	// Missing counts what an importer of a foreign cache skipped: entries without an image
	// file (ImportDeepEyesV2).
	Missing int
}

// Import adds the records and blobs of an archive Export wrote to s. Every file is checked: a
// blob must hash to its name, a record must be the record of its key and name only blobs the
// archive or the store has; anything else, a path outside the layout included, fails the
// import before a record is written.
func Import(s *Store, r io.Reader, o ImportOptions) (ImportStats, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return ImportStats{}, fmt.Errorf("search store import: not a gzipped archive: %w", err)
	}
	tr := tar.NewReader(zr)
	var recs []*Record
	blobs := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ImportStats{}, fmt.Errorf("search store import: %w", err)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		name := path.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !storeFile(name) {
			return ImportStats{}, fmt.Errorf("search store import: %q is not a file of a search store", hdr.Name)
		}
		if hdr.Size > maxEntryBytes {
			return ImportStats{}, fmt.Errorf("search store import: %s is over %d MiB", name, maxEntryBytes>>20)
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxEntryBytes))
		if err != nil {
			return ImportStats{}, fmt.Errorf("search store import: %s: %w", name, err)
		}
		switch {
		case name == MarkerFile:
			if err := checkMarker(b, "the archive"); err != nil {
				return ImportStats{}, err
			}
		case blobRe.MatchString(name):
			sum := path.Base(name)
			if SHA256(b) != sum {
				return ImportStats{}, fmt.Errorf("search store import: %s does not hash to its name", name)
			}
			blobs[sum] = b
		default:
			key := path.Base(name[:len(name)-len(".json")])
			rec, err := decodeRecord(b, key)
			if err != nil {
				return ImportStats{}, fmt.Errorf("search store import: %w", err)
			}
			recs = append(recs, rec)
		}
	}
	return add(s, recs, blobs, nil, o)
}

// Merge adds the records and blobs of src to s, as Import does.
func Merge(s, src *Store, o ImportOptions) (ImportStats, error) {
	keys, err := src.Keys()
	if err != nil {
		return ImportStats{}, err
	}
	recs := make([]*Record, 0, len(keys))
	for _, k := range keys {
		rec, err := src.LookupKey(k)
		if err != nil {
			return ImportStats{}, err
		}
		recs = append(recs, rec)
	}
	return add(s, recs, nil, src, o)
}

// add writes recs to s with the blobs they name, taken from blobs or from src.
func add(s *Store, recs []*Record, blobs map[string][]byte, src *Store, o ImportOptions) (ImportStats, error) {
	var st ImportStats
	if !s.Writable() {
		return st, errors.New("search store import: the store is read-only (a snapshot): import into a directory")
	}
	// Check every record's blobs first, so that a broken archive writes nothing.
	for _, rec := range recs {
		for _, b := range blobsOf(rec) {
			if _, ok := blobs[b.SHA256]; ok {
				continue
			}
			if _, err := fs.Stat(s.fsys, blobPath(b.SHA256)); err == nil {
				continue
			}
			if src != nil {
				data, err := src.Blob(b)
				if err != nil {
					return st, fmt.Errorf("search store import: %w", err)
				}
				if blobs == nil {
					blobs = map[string][]byte{}
				}
				blobs[b.SHA256] = data
				continue
			}
			return st, fmt.Errorf("search store import: the record of %s names the blob %s, which neither the archive nor the store has", rec.Request, b.SHA256)
		}
	}
	sums := make([]string, 0, len(blobs))
	for sum := range blobs {
		sums = append(sums, sum)
	}
	slices.Sort(sums)
	for _, sum := range sums {
		if _, err := fs.Stat(s.fsys, blobPath(sum)); err == nil {
			continue
		}
		if _, err := s.PutBlob(blobs[sum], ""); err != nil {
			return st, err
		}
		st.Blobs++
	}
	for _, rec := range recs {
		key := rec.Request.Key()
		old, err := s.LookupKey(key)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return st, err
		default:
			ob, _ := EncodeRecord(old)
			nb, err := EncodeRecord(rec)
			if err != nil {
				return st, err
			}
			if bytes.Equal(ob, nb) {
				st.Same++
				continue
			}
			st.Conflicts = append(st.Conflicts, key)
			if !o.Overwrite {
				continue
			}
		}
		if err := s.Put(rec); err != nil {
			return st, err
		}
		st.Records++
	}
	slices.Sort(st.Conflicts)
	return st, nil
}
