//go:build !linux

package httpserve

const fdChildEnv = "RTLAB_HTTPSERVE_FD_CHILD"

func fdChild() int { return 1 }
