package backup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// maxDocSize is MongoDB's document limit plus the 16 KiB of slack mongodump/mongorestore allow.
const maxDocSize = 16*1024*1024 + 16*1024

// docReader reads concatenated BSON documents (a mongodump .bson file) one at a time, reusing
// one buffer, so memory is bounded by the largest document rather than the file.
type docReader struct {
	r    *bufio.Reader
	buf  []byte
	off  int64 // offset of the next document, for error messages
	name string
}

func newDocReader(r io.Reader, name string) *docReader {
	return &docReader{r: bufio.NewReaderSize(r, 256*1024), name: name}
}

// next returns the next document (valid until the following call), or io.EOF at a clean end.
// Every document is fully validated: lengths, element types, nesting, terminators.
func (d *docReader) next() (bson.Raw, error) {
	var lenBuf [4]byte
	n, err := io.ReadFull(d.r, lenBuf[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("%s: truncated document at byte %d (%d of 4 length bytes)", d.name, d.off, n)
	}
	size := int(binary.LittleEndian.Uint32(lenBuf[:]))
	if size < 5 || size > maxDocSize {
		return nil, fmt.Errorf("%s: document at byte %d claims %d bytes, not a BSON document", d.name, d.off, size)
	}
	if cap(d.buf) < size {
		d.buf = make([]byte, size)
	}
	doc := d.buf[:size]
	copy(doc, lenBuf[:])
	if n, err := io.ReadFull(d.r, doc[4:]); err != nil {
		return nil, fmt.Errorf("%s: document at byte %d claims %d bytes but only %d follow; the file is truncated", d.name, d.off, size, n+4)
	}
	if err := bson.Raw(doc).Validate(); err != nil {
		return nil, fmt.Errorf("%s: document at byte %d is not valid BSON: %v", d.name, d.off, err)
	}
	d.off += int64(size)
	return bson.Raw(doc), nil
}

// countDocs validates every document of r and returns how many there are and their bytes.
func countDocs(r io.Reader, name string) (docs, bytes int64, err error) {
	d := newDocReader(r, name)
	for {
		doc, err := d.next()
		if errors.Is(err, io.EOF) {
			return docs, bytes, nil
		}
		if err != nil {
			return docs, bytes, err
		}
		docs++
		bytes += int64(len(doc))
	}
}
