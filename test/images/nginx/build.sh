#!/usr/bin/env bash
# creach-test/nginx: bookworm minbase + nginx serving /var/www/html/index.html on port 80
# (override the port with a bind-mounted /etc/nginx/sites-enabled/default; see
# test/support/images.ts nginxSiteArgs). Merged /usr, as every bookworm image: /bin, /lib,
# /sbin are symlinks into /usr. Cmd ["nginx","-g","daemon off;"] (docker import cannot set STOPSIGNAL; nginx's graceful stop is SIGQUIT).
source "$(dirname "$0")/../lib.sh"
IMAGE_NAME=nginx
PACKAGES=(nginx)
CHANGES=('CMD ["nginx","-g","daemon off;"]' 'EXPOSE 80')
customize() {
  printf '<!doctype html>\n<title>creach test page</title>\n<p>creach test page</p>\n' >"$ROOTFS/var/www/html/index.html"
  rm -f "$ROOTFS/var/www/html/index.nginx-debian.html"
  cat >"$ROOTFS/etc/nginx/sites-available/default" <<'CONF'
server {
	listen 80 default_server;
	root /var/www/html;
	index index.html;
	location / { try_files $uri $uri/ =404; }
}
CONF
  # Logs to the container's stdout/stderr, as images usually do.
  ln -sf /dev/stdout "$ROOTFS/var/log/nginx/access.log"
  ln -sf /dev/stderr "$ROOTFS/var/log/nginx/error.log"
  [ -L "$ROOTFS/bin" ] && [ -L "$ROOTFS/lib" ] || { echo "nginx: expected a merged-/usr rootfs" >&2; exit 1; }
}
build_image "$@"
