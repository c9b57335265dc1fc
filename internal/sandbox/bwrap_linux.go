package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// systemDirs are bound read-only when they are folders, recreated as the
// same symlinks when they are links (/bin → usr/bin on merged-/usr
// systems).
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// etcFiles are the pieces of /etc a Node.js server needs: name lookups of
// localhost, users, certificates, the time zone. Nothing else of /etc (no
// credentials, no grader configuration) is visible.
var etcFiles = []string{
	"/etc/hosts", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
	"/etc/localtime", "/etc/ssl", "/etc/ca-certificates", "/etc/alternatives",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
}

// bwrapArgs builds the command line that runs line in a box: the network
// namespace it is started in (the Box's, see starter), its own pid, ipc
// and uts namespaces, a read-only system, the submission
// read-only at MountPoint, tmpfs /tmp and HOME, the environment cleared but
// for env, then prlimit and setpriv (uid, no capabilities, no_new_privs)
// in front of sh -c line. info is the fd bwrap writes its child's pid to.
func bwrapArgs(o *Options, uid int, dir, line string, env []string, infoFD int) []string {
	a := []string{
		"--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
		"--die-with-parent", "--new-session",
		"--hostname", "sandbox",
		"--info-fd", strconv.Itoa(infoFD),
	}
	for _, d := range systemDirs {
		st, err := os.Lstat(d)
		switch {
		case err != nil:
		case st.Mode()&os.ModeSymlink != 0:
			if t, err := os.Readlink(d); err == nil {
				a = append(a, "--symlink", t, d)
			}
		case st.IsDir():
			a = append(a, "--ro-bind", d, d)
		}
	}
	// Folders bwrap makes on its own are 0700 when it runs as root: the
	// box's uid could not look inside.
	a = append(a, "--perms", "0755", "--dir", "/etc")
	for _, f := range etcFiles {
		a = append(a, "--ro-bind-try", f, f)
	}
	// node and npm installed outside /usr (nvm, /opt/node): bind their
	// prefix too.
	for _, p := range toolPrefixes() {
		a = append(a, "--ro-bind", p, p)
	}
	a = append(a,
		"--proc", "/proc", "--dev", "/dev",
		"--perms", "1777", "--tmpfs", "/tmp",
		"--perms", "0755", "--dir", "/home",
		"--perms", "0777", "--tmpfs", HomeDir,
		"--ro-bind", dir, MountPoint,
		"--chdir", MountPoint,
		"--clearenv",
		"--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
		"--setenv", "HOME", HomeDir,
		"--setenv", "TMPDIR", "/tmp",
		// npm start must not look for a newer npm: there is no network,
		// and its complaint would read as a denied connection.
		"--setenv", "NO_UPDATE_NOTIFIER", "1",
		"--setenv", "npm_config_update_notifier", "false",
		"--setenv", "npm_config_fund", "false",
		"--setenv", "npm_config_audit", "false",
	)
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" {
			a = append(a, "--setenv", k, v)
		}
	}
	l := o.Limits
	u := strconv.Itoa(uid)
	cpu := int64(l.CPU.Seconds() + 0.5)
	a = append(a, "--",
		"prlimit",
		// soft:hard, a second apart: the soft limit's SIGXCPU names the
		// cause in the exit status, the hard one's SIGKILL would not.
		"--cpu="+strconv.FormatInt(cpu, 10)+":"+strconv.FormatInt(cpu+1, 10),
		"--as="+strconv.FormatUint(l.AddressSpace, 10),
		"--nofile="+strconv.FormatUint(l.OpenFiles, 10),
		"--nproc="+strconv.FormatUint(l.Processes, 10),
		"--fsize="+strconv.FormatUint(l.FileSize, 10),
		"--core=0",
		"--",
		"setpriv", "--reuid="+u, "--regid="+u, "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
		"--",
		"sh", "-c", supervisor, "rtlab-box", line,
	)
	return a
}

// supervisor is the box's first process (after prlimit and setpriv): it
// runs the student's line and stays until every other process of the box
// has ended, then exits with the line's status. bwrap ends the box as
// soon as its first process exits, which would kill a server that ignores
// SIGTERM, or a daemon, before Stop could see and report it. It catches
// SIGTERM (a handler, not an ignore, so the line's processes get the
// default back) and counts the box's processes in its own /proc: pid 1
// and itself are two. The line runs in a session and process group of its
// own (setsid), so that the supervisor's own children (sleep) are not
// counted as the server's.
const supervisor = `trap : TERM INT HUP
setsid sh -c "$1" &
main=$!
st=0
while kill -0 "$main" 2>/dev/null; do wait "$main"; st=$?; done
while :; do
  n=0
  for p in /proc/[0-9]*; do n=$((n+1)); done
  [ "$n" -le 2 ] && break
  sleep 0.1 2>/dev/null || :
done
exit "$st"`

// toolPrefixes are the install folders of node and npm when they live
// outside /usr: the folder above their bin/.
func toolPrefixes() []string {
	var out []string
	seen := map[string]bool{}
	for _, tool := range []string{"node", "npm"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		prefix := filepath.Dir(filepath.Dir(p))
		if prefix == "/" || underSystem(prefix) || seen[prefix] {
			continue
		}
		seen[prefix] = true
		out = append(out, prefix)
	}
	return out
}

func underSystem(p string) bool {
	for _, d := range systemDirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
