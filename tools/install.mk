# SPDX-License-Identifier: GPL-2.0
#
# make install [PREFIX=/usr/local] [DESTDIR=]: the command, its man page
# and the docs.  make install-dkms [DESTDIR=]: settle.ko's source for DKMS
# under /usr/src/settle-<version>/ (then: dkms install settle/<version>).

PREFIX ?= /usr/local
DESTDIR ?=
SETTLE_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
INSTALL ?= install
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
DOCDIR := $(DESTDIR)$(PREFIX)/share/doc/settle
DKMSDIR := $(DESTDIR)/usr/src/settle-$(SETTLE_VERSION)

.PHONY: install install-dkms uninstall

install: user
	$(INSTALL) -d $(BINDIR) $(MANDIR) $(DOCDIR)
	$(INSTALL) -m 0755 user/settle $(BINDIR)/settle
	$(INSTALL) -m 0644 Documentation/settle.1 $(MANDIR)/settle.1
	$(INSTALL) -m 0644 README.md Documentation/*.rst Documentation/report.schema.json $(DOCDIR)/

install-dkms:
	$(INSTALL) -d $(DKMSDIR)/kmod/uapi
	$(INSTALL) -m 0644 dkms.conf $(DKMSDIR)/
	$(INSTALL) -m 0644 kmod/Kbuild kmod/*.c kmod/*.h $(DKMSDIR)/kmod/
	$(INSTALL) -m 0644 kmod/uapi/*.h $(DKMSDIR)/kmod/uapi/

uninstall:
	rm -f $(BINDIR)/settle $(MANDIR)/settle.1
	rm -rf $(DOCDIR)
