package engine

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/pkg/stdcopy"
)

// Volume copies go through the Docker API only, so they work against a remote engine and for
// volumes of images without a shell. Export needs nothing running: a created, never-started
// container mounts the volume and the engine streams its content as tar. Import must first
// empty the volume, which the archive API cannot do, so a helper container runs surveytui's
// own static binary (imported once as a FROM-scratch image, tagged by the binary's SHA-256)
// with VolumeHelperCommand; then the tar goes in through another never-started container.

// VolumeHelperCommand is the first argument that makes the surveytui binary act as the volume
// helper inside its container. main must call RunVolumeHelperIfAsked before anything else.
const VolumeHelperCommand = "__surveytui-volume-helper"

// VolumeHelperBinary is the static Linux binary put into the helper image; empty means the
// running executable. Tests set it to a binary built with CGO_ENABLED=0.
var VolumeHelperBinary = ""

// LabelHelper marks every container and image surveytui creates for volume copies.
const LabelHelper = "io.surveytui.volume-helper"

const (
	helperRepo  = "surveytui-volume-helper"
	helperPath  = "/surveytui-volume-helper"
	volumeMount = "/v"
)

// RunVolumeHelperIfAsked runs the helper and exits when args (os.Args) ask for it; otherwise it
// returns at once. Inside the helper container it empties the volume mounted at /v.
func RunVolumeHelperIfAsked(args []string) {
	if len(args) < 3 || args[1] != VolumeHelperCommand {
		return
	}
	if args[2] != "empty" || len(args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: "+VolumeHelperCommand+" empty DIR")
		os.Exit(2)
	}
	if err := emptyDir(args[3]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// ExportVolume writes the volume's content to w as a tar stream: the volume root as "./" (so
// its mode and owner travel too), then every entry by its path inside the volume. Modes,
// owners, times, symlinks, hard links and empty directories are kept as the engine reports
// them.
func (c *Client) ExportVolume(ctx context.Context, name string, w io.Writer) error {
	if _, err := c.api.VolumeInspect(ctx, name); err != nil {
		return c.wrap(err)
	}
	ref, err := c.helperImage(ctx)
	if err != nil {
		return err
	}
	id, err := c.volumeContainer(ctx, ref, name, true, nil)
	if err != nil {
		return err
	}
	defer c.removeHelper(id)
	rc, _, err := c.api.CopyFromContainer(ctx, id, volumeMount)
	if err != nil {
		return c.wrap(err)
	}
	defer rc.Close()
	// The engine names entries after the copied directory ("v", "v/a"...): rename them to
	// paths relative to the volume, re-encoding the stream without holding it.
	tr := tar.NewReader(rc)
	tw := tar.NewWriter(w)
	prefix := strings.TrimPrefix(volumeMount, "/")
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return streamBroke(err)
		}
		rel, ok := stripPrefix(hdr.Name, prefix)
		if !ok {
			return fmt.Errorf("engine sent unexpected entry %q for volume %s", hdr.Name, name)
		}
		hdr.Name = rel
		if hdr.Typeflag == tar.TypeLink {
			if hdr.Linkname, ok = stripPrefix(hdr.Linkname, prefix); !ok {
				return fmt.Errorf("engine sent a hard link %q outside volume %s", hdr.Name, name)
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return streamBroke(err)
		}
	}
	return tw.Close()
}

// streamBroke words a tar stream cut short: the engine (or the link to it) went away.
func streamBroke(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the engine's stream ended early (%v); is the engine still up?", err)
	}
	return err
}

func stripPrefix(name, prefix string) (string, bool) {
	name = strings.TrimPrefix(name, "./")
	switch {
	case name == prefix || name == prefix+"/":
		return "./", true
	case strings.HasPrefix(name, prefix+"/"):
		return strings.TrimPrefix(name, prefix+"/"), true
	}
	return "", false
}

// ImportVolume replaces the volume's content with the tar stream r (as ExportVolume writes
// it): the volume is emptied by the helper container, then r is extracted into it by the
// engine with the owners, modes and times of the tar. The volume must exist; the services
// using it should be stopped by the caller.
func (c *Client) ImportVolume(ctx context.Context, name string, r io.Reader) error {
	if _, err := c.api.VolumeInspect(ctx, name); err != nil {
		return c.wrap(err)
	}
	ref, err := c.helperImage(ctx)
	if err != nil {
		return err
	}
	if err := c.runEmpty(ctx, ref, name); err != nil {
		return err
	}
	id, err := c.volumeContainer(ctx, ref, name, false, nil)
	if err != nil {
		return err
	}
	defer c.removeHelper(id)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(prefixTar(r, pw, strings.TrimPrefix(volumeMount, "/"))) }()
	// Extract at / with every entry under "v/": the "v/" entry then carries the volume root's
	// own mode and owner, which extracting into /v itself would leave alone.
	err = c.api.CopyToContainer(ctx, id, "/", pr, container.CopyToContainerOptions{AllowOverwriteDirWithFile: true})
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("writing volume %s: %w", name, c.wrap(err))
	}
	return nil
}

// prefixTar copies a volume tar to w with every name under prefix/.
func prefixTar(r io.Reader, w io.Writer, prefix string) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		hdr.Name = prefix + "/" + name
		if name == "" {
			hdr.Name = prefix + "/"
		}
		if hdr.Typeflag == tar.TypeLink {
			hdr.Linkname = prefix + "/" + strings.TrimPrefix(hdr.Linkname, "./")
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

func (c *Client) runEmpty(ctx context.Context, ref, volume string) error {
	id, err := c.volumeContainer(ctx, ref, volume, false, []string{helperPath, VolumeHelperCommand, "empty", volumeMount})
	if err != nil {
		return err
	}
	defer c.removeHelper(id)
	waitC, errC := c.api.ContainerWait(ctx, id, container.WaitConditionNextExit)
	if err := c.api.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return fmt.Errorf("cannot start the volume helper: %w", c.wrap(err))
	}
	select {
	case res := <-waitC:
		if res.StatusCode != 0 {
			return fmt.Errorf("emptying volume %s failed (helper exit %d): %s", volume, res.StatusCode, c.helperLogs(id))
		}
		return nil
	case err := <-errC:
		return c.wrap(err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) helperLogs(id string) string {
	rc, err := c.api.ContainerLogs(context.Background(), id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "5"})
	if err != nil {
		return "no logs"
	}
	defer rc.Close()
	var out strings.Builder
	_, _ = stdcopy.StdCopy(&out, &out, io.LimitReader(rc, 4096))
	return strings.Join(strings.Fields(out.String()), " ")
}

// volumeContainer creates (never starts, unless the caller does) a container of the helper
// image with the volume at /v; cmd nil gives a command that is never run.
func (c *Client) volumeContainer(ctx context.Context, ref, volume string, readOnly bool, cmd []string) (string, error) {
	// Helpers left by a run that lost the engine mid-way would keep the volume in use.
	if stale, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelHelper+"="+volume))}); err == nil {
		for _, s := range stale {
			c.removeHelper(s.ID)
		}
	}
	if cmd == nil {
		cmd = []string{helperPath}
	}
	resp, err := c.api.ContainerCreate(ctx,
		&container.Config{Image: ref, Cmd: cmd, User: "0:0", NetworkDisabled: true, Labels: map[string]string{LabelHelper: volume}},
		&container.HostConfig{
			NetworkMode: "none",
			Mounts:      []mount.Mount{{Type: mount.TypeVolume, Source: volume, Target: volumeMount, ReadOnly: readOnly}},
		}, nil, nil, "")
	if err != nil {
		return "", fmt.Errorf("cannot create a helper container for volume %s: %w", volume, c.wrap(err))
	}
	return resp.ID, nil
}

// removeHelper removes a helper container even when the caller's context is already done.
func (c *Client) removeHelper(id string) {
	_ = c.api.ContainerRemove(context.Background(), id, container.RemoveOptions{Force: true})
}

// helperImage returns the helper image for the current helper binary, importing it the first
// time (one FROM-scratch layer holding just the binary; no pull, no build).
func (c *Client) helperImage(ctx context.Context) (string, error) {
	bin, err := helperBinary()
	if err != nil {
		return "", err
	}
	f, err := os.Open(bin)
	if err != nil {
		return "", fmt.Errorf("cannot read the volume helper binary: %v", err)
	}
	defer f.Close()
	if err := checkHelperBinary(f, bin); err != nil {
		return "", err
	}
	if v, err := c.api.ServerVersion(ctx); err == nil && v.Arch != "" && v.Arch != runtime.GOARCH {
		return "", fmt.Errorf("the engine runs %s/%s but this surveytui is %s: volume copies need a surveytui built for %s", v.Os, v.Arch, runtime.GOARCH, v.Arch)
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", fmt.Errorf("cannot read the volume helper binary: %v", err)
	}
	ref := helperRepo + ":" + hex.EncodeToString(h.Sum(nil))[:16]
	if _, err := c.api.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(helperPath, "/"), Mode: 0o755, Size: size, Typeflag: tar.TypeReg})
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	rc, err := c.api.ImageImport(ctx, image.ImportSource{Source: pr, SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{"LABEL " + LabelHelper + "=1", `CMD ["` + helperPath + `"]`}})
	if err != nil {
		pr.CloseWithError(err)
		return "", fmt.Errorf("cannot import the volume helper image: %w", c.wrap(err))
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return "", fmt.Errorf("cannot import the volume helper image: %w", c.wrap(err))
	}
	return ref, nil
}

// checkHelperBinary refuses a dynamically linked binary: in a FROM-scratch image it could not
// start (no loader, no libc), and the failure would only show as a cryptic exec error.
func checkHelperBinary(f *os.File, name string) error {
	ef, err := elf.NewFile(f)
	if err != nil {
		return fmt.Errorf("the volume helper %s is not a Linux executable: %v", name, err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("the volume helper %s is dynamically linked; build surveytui with CGO_ENABLED=0 (as the Makefile does)", name)
		}
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

// RemoveVolumeHelperImage removes the helper image of the current helper binary (other
// binaries' helper images, which may be in use, are left alone).
func (c *Client) RemoveVolumeHelperImage(ctx context.Context) error {
	ref, err := helperRef()
	if err != nil {
		return err
	}
	_, err = c.api.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
	var nf *NotFoundError
	if err = c.wrap(err); errors.As(err, &nf) {
		return nil
	}
	return err
}

// helperRef is the tag of the current helper binary's image.
func helperRef() (string, error) {
	bin, err := helperBinary()
	if err != nil {
		return "", err
	}
	f, err := os.Open(bin)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return helperRepo + ":" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

func helperBinary() (string, error) {
	if VolumeHelperBinary != "" {
		return VolumeHelperBinary, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find surveytui's own binary for the volume helper: %v", err)
	}
	return exe, nil
}

// VolumeSize returns the bytes a volume uses, as the engine's disk-usage report says (an
// expensive call: it walks every volume).
func (c *Client) VolumeSize(ctx context.Context, name string) (int64, error) {
	du, err := c.api.DiskUsage(ctx, types.DiskUsageOptions{})
	if err != nil {
		return 0, c.wrap(err)
	}
	for _, v := range du.Volumes {
		if v.Name == name && v.UsageData != nil {
			return v.UsageData.Size, nil
		}
	}
	return 0, &NotFoundError{What: "volume " + name}
}

// ContainersUsingVolume lists the containers (running or not) that mount the volume, helper
// containers excluded: the writers to stop around a copy.
func (c *Client) ContainersUsingVolume(ctx context.Context, name string) ([]Container, error) {
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("volume", name))})
	if err != nil {
		return nil, c.wrap(err)
	}
	var out []Container
	for _, s := range list {
		if _, helper := s.Labels[LabelHelper]; !helper {
			out = append(out, fromSummary(s))
		}
	}
	return out, nil
}

// CreateVolume creates a named local volume with labels (used for restores into a volume that
// no longer exists, and by tests).
func (c *Client) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	_, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels})
	return c.wrap(err)
}

// RemoveVolume removes a volume; it fails while a container uses it.
func (c *Client) RemoveVolume(ctx context.Context, name string) error {
	return c.wrap(c.api.VolumeRemove(ctx, name, true))
}

// VolumeMountpoint is where the engine keeps the volume's data on its own host.
func (c *Client) VolumeMountpoint(ctx context.Context, name string) (string, error) {
	v, err := c.api.VolumeInspect(ctx, name)
	return v.Mountpoint, c.wrap(err)
}

// ContainerState returns Docker's state of one container (running, exited...) and its health
// (healthy, unhealthy, starting, or "" when it has no healthcheck).
func (c *Client) ContainerState(ctx context.Context, id string) (state, health string, err error) {
	resp, err := c.api.ContainerInspect(ctx, id)
	if err != nil {
		return "", "", c.wrap(err)
	}
	if resp.State == nil {
		return "", "", nil
	}
	if resp.State.Health != nil {
		health = resp.State.Health.Status
	}
	return resp.State.Status, health, nil
}
