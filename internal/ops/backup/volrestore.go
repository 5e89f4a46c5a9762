package backup

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Volumes lists the volumes a surveytui archive holds.
func (s *Source) Volumes() []string {
	if s.Manifest == nil {
		return nil
	}
	var out []string
	for _, v := range s.Manifest.Volumes {
		out = append(out, v.Name)
	}
	return out
}

// RestoreVolumes empties each named volume (every volume of the archive when names is empty)
// and refills it from the archive, then checks that the engine gives back as many files and
// bytes as the archive holds. The first error stops: later volumes are not touched.
func RestoreVolumes(ctx context.Context, eng VolumeEngine, src *Source, names []string, progress ProgressFunc) error {
	if src.Manifest == nil {
		if len(names) > 0 {
			return fmt.Errorf("%s holds no volumes (it is a %s)", src.Path, src.Kind)
		}
		return nil
	}
	have := src.Volumes()
	for _, n := range names {
		if !slices.Contains(have, n) {
			return fmt.Errorf("archive has no volume %q (it has: %s)", n, strings.Join(have, ", "))
		}
	}
	if len(names) == 0 {
		names = have
	}
	_, err := readArchive(ctx, src.Path, src.Manifest.Project, func(entry string, size int64, r io.Reader) error {
		name, ok := strings.CutPrefix(entry, volumePrefix)
		name, ok2 := strings.CutSuffix(name, ".tar")
		if !ok || !ok2 || !slices.Contains(names, name) {
			return nil
		}
		progress.emit(Progress{Phase: "restore", Item: name, TotalBytes: size, Message: "writing volume " + name})
		if err := eng.ImportVolume(ctx, name, r); err != nil {
			return fmt.Errorf("restoring volume %s: %v", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		got, err := exportInfo(ctx, eng, name)
		if err != nil {
			return err
		}
		for _, want := range src.Manifest.Volumes {
			if want.Name == name && (want.Files != got.Files || want.Bytes != got.Bytes) {
				return fmt.Errorf("volume %s holds %d files/%d bytes after restore, the archive has %d/%d", name, got.Files, got.Bytes, want.Files, want.Bytes)
			}
		}
		progress.emit(Progress{Phase: "check", Item: name, Bytes: got.Bytes, Message: fmt.Sprintf("volume %s: %d files, %d bytes", name, got.Files, got.Bytes)})
	}
	return nil
}

// exportInfo counts a volume's files and bytes by streaming it from the engine (nothing is
// stored).
func exportInfo(ctx context.Context, eng VolumeEngine, name string) (VolumeInfo, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(eng.ExportVolume(ctx, name, pw)) }()
	info, err := ScanVolumeTar(pr)
	pr.CloseWithError(err)
	if err != nil {
		return info, fmt.Errorf("cannot read volume %s back: %v", name, err)
	}
	info.Name = name
	return info, nil
}
