package engine

import (
	"context"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
)

// VolumeUsage is a volume with its size from the engine's disk-usage API.
type VolumeUsage struct {
	Name       string
	Driver     string
	Mountpoint string
	Labels     map[string]string
	// Size in bytes; -1 when the engine did not compute it.
	Size int64
}

// VolumeUsages returns the size of every volume (the engine walks them all, so this is
// expensive: call it rarely).
func (c *Client) VolumeUsages(ctx context.Context) ([]VolumeUsage, error) {
	du, err := c.api.DiskUsage(ctx, types.DiskUsageOptions{Types: []types.DiskUsageObject{types.VolumeObject}})
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]VolumeUsage, 0, len(du.Volumes))
	for _, v := range du.Volumes {
		out = append(out, fromVolume(v))
	}
	return out, nil
}

// ProjectVolumes lists the volumes labelled with the compose project, without sizes (cheap).
func (c *Client) ProjectVolumes(ctx context.Context, project string) ([]VolumeUsage, error) {
	resp, err := c.api.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelProject+"="+project))})
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]VolumeUsage, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		vu := fromVolume(v)
		vu.Size = -1
		out = append(out, vu)
	}
	return out, nil
}

func fromVolume(v *volume.Volume) VolumeUsage {
	vu := VolumeUsage{Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, Labels: v.Labels, Size: -1}
	if v.UsageData != nil && v.UsageData.Size >= 0 {
		vu.Size = v.UsageData.Size
	}
	return vu
}
