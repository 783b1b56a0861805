/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Method dispatch: org.varlink.service introspection and the Delegate
 * interface, so that generic Varlink tools (varlinkctl) can talk to us. */
#include <stdio.h>

#include "log.h"
#include "request.h"
#include "varlink.h"
#include "util.h"

static const char delegate_description[] =
	"# Delegated uid/gid-shifting bind mounts; see shiftmountd(8).\n"
	"interface io.shiftmount.Delegate\n"
	"\n"
	"# Shift a marked directory along the caller's own user namespace and\n"
	"# return the detached mount as the reply's file descriptor \"fd\"\n"
	"# (SCM_RIGHTS; attach it with move_mount(2)).  By path: send the\n"
	"# directory's O_PATH fd with the call, its index as \"fd\" and the path\n"
	"# the client opened (absolute, in the caller's root) as \"path\".  By\n"
	"# name: \"name\" of a registered mark.  The mount is always nosuid,nodev.\n"
	"method Mount(\n"
	"  fd: ?int,\n"
	"  path: ?string,\n"
	"  name: ?string,\n"
	"  recursive: ?bool,\n"
	"  readonly: ?bool,\n"
	"  noexec: ?bool\n"
	") -> (\n"
	"  fd: int,\n"
	"  origin_uid: int,\n"
	"  origin_gid: int,\n"
	"  range: int,\n"
	"  uid_map: string,\n"
	"  gid_map: string,\n"
	"  warning: ?string\n"
	")\n"
	"\n"
	"# The source carries no valid trusted.shiftmount mark.\n"
	"error NotMarked (reason: string)\n"
	"# The caller may not have this directory shifted.\n"
	"error PermissionDenied (reason: string)\n"
	"# The passed fd or path is not a usable directory.\n"
	"error BadSource (reason: string)\n"
	"# No mark of this name is registered.\n"
	"error NoSuchName (name: string, reason: string)\n"
	"# The kernel refused to make the mount.\n"
	"error MountFailed (reason: string)\n"
	"error ConfigUnreadable (reason: string)\n"
	"# Not a valid message: too long, not UTF-8, not one JSON object, too\n"
	"# many fds.  The connection is closed after it.\n"
	"error ProtocolError (reason: string)\n";

static const char service_description[] =
	"# The Varlink service interface.\n"
	"interface org.varlink.service\n"
	"\n"
	"method GetInfo() -> (\n"
	"  vendor: string,\n"
	"  product: string,\n"
	"  version: string,\n"
	"  url: string,\n"
	"  interfaces: []string\n"
	")\n"
	"\n"
	"method GetInterfaceDescription(interface: string) -> (description: string)\n"
	"\n"
	"error InterfaceNotFound (interface: string)\n"
	"error MethodNotFound (method: string)\n"
	"error MethodNotImplemented (method: string)\n"
	"error InvalidParameter (parameter: string)\n"
	"error PermissionDenied ()\n"
	"error ExpectedMore ()\n";

/* An error whose parameters are {key: value}; NULL when out of memory. */
static json_object *error_with(const char *error, const char *key, const char *value)
{
	json_object *p = json_object_new_object();
	if (sm_json_add_string(p, key, value) < 0) {
		json_object_put(p);
		return NULL;
	}
	return sm_varlink_error(error, p);
}

static json_object *get_info(void)
{
	json_object *p = json_object_new_object(), *ifs = json_object_new_array();
	if (sm_json_append(ifs, json_object_new_string("org.varlink.service")) < 0 ||
	    sm_json_append(ifs, json_object_new_string(SM_DELEGATE_INTERFACE)) < 0 ||
	    sm_json_add_string(p, "vendor", "shiftmount") < 0 ||
	    sm_json_add_string(p, "product", "shiftmountd") < 0 ||
	    sm_json_add_string(p, "version", SM_VERSION) < 0 ||
	    sm_json_add_string(p, "url", "man:shiftmountd(8)") < 0 ||
	    sm_json_add(p, "interfaces", steal_pointer(ifs)) < 0) {
		json_object_put(ifs);
		json_object_put(p);
		return NULL;
	}
	return sm_varlink_reply(p);
}

static json_object *get_description(json_object *params)
{
	json_object *v = NULL;
	if (!params || json_object_object_length(params) != 1 ||
	    !json_object_object_get_ex(params, "interface", &v) ||
	    !json_object_is_type(v, json_type_string))
		return error_with(SM_VARLINK_INVALID_PARAMETER, "parameter", "interface");
	const char *iface = json_object_get_string(v);
	const char *text = !strcmp(iface, SM_DELEGATE_INTERFACE)   ? delegate_description
			   : !strcmp(iface, "org.varlink.service") ? service_description
								   : NULL;
	if (!text)
		return error_with("org.varlink.service.InterfaceNotFound", "interface", iface);
	json_object *p = json_object_new_object();
	if (sm_json_add_string(p, "description", text) < 0) {
		json_object_put(p);
		return NULL;
	}
	return sm_varlink_reply(p);
}

static void close_all(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

json_object *varlink_dispatch(const struct peer *peer, const struct sender *s, json_object *msg,
			      int *fds, unsigned nfds, int *ret_fd, int *ret_oneway)
{
	struct sm_varlink_call call;
	const char *bad = NULL;
	*ret_fd = -EBADF;
	*ret_oneway = 0;
	if (sm_varlink_parse_call(msg, &call, &bad) < 0) {
		close_all(fds, nfds);
		log_msg("malformed call: bad member %s", bad ? bad : "?");
		json_object *ep = json_object_new_object();
		if (sm_json_add_string(ep, "reason", "not a Varlink call: bad or unknown member") <
			    0 ||
		    sm_json_add_string(ep, "member", bad ? bad : "?") < 0) {
			json_object_put(ep);
			return NULL;
		}
		return sm_varlink_error(SM_DELEGATE_PROTOCOL_ERROR, ep);
	}
	*ret_oneway = call.oneway;
	if (call.more || call.upgrade) {
		close_all(fds, nfds);
		return error_with(SM_VARLINK_INVALID_PARAMETER, "parameter",
				  call.more ? "more" : "upgrade");
	}
	if (!strcmp(call.method, SM_DELEGATE_INTERFACE ".Mount"))
		return delegate_mount(peer, s, call.params, fds, nfds, ret_fd);

	close_all(fds, nfds);
	if (nfds > 0)
		return error_with(SM_DELEGATE_PROTOCOL_ERROR, "reason",
				  "this method takes no file descriptors");
	if (!strcmp(call.method, "org.varlink.service.GetInfo")) {
		if (call.params && json_object_object_length(call.params) != 0)
			return error_with(SM_VARLINK_INVALID_PARAMETER, "parameter",
					  "(none expected)");
		return get_info();
	}
	if (!strcmp(call.method, "org.varlink.service.GetInterfaceDescription"))
		return get_description(call.params);

	const char *dot = strrchr(call.method, '.');
	size_t ilen = (size_t)(dot - call.method);
	if ((ilen == strlen(SM_DELEGATE_INTERFACE) &&
	     !strncmp(call.method, SM_DELEGATE_INTERFACE, ilen)) ||
	    (ilen == 19 && !strncmp(call.method, "org.varlink.service", ilen))) {
		log_msg("unknown method %s", call.method);
		return error_with("org.varlink.service.MethodNotFound", "method", call.method);
	}
	log_msg("unknown interface in %s", call.method);
	char iface[256];
	snprintf(iface, sizeof(iface), "%.*s", (int)(ilen < 255 ? ilen : 255), call.method);
	return error_with("org.varlink.service.InterfaceNotFound", "interface", iface);
}
