package household

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The people steps: accounts, roles, viewers' cameras, tokens, passwords,
// sign-ins, each through the CLI or the API.

func stepUserAdd(w *world) string {
	h := w.rng.IntN(households)
	role := pick(w.rng, []string{"owner", "member", "viewer", "viewer"})
	u := w.addUser(w.fresh("u"), h, role)
	w.session(u)
	w.token(u)
	return fmt.Sprintf("user add %s H%d %s", u.name, h, role)
}

func stepUserRemove(w *world) string {
	u := pick(w.rng, w.usersWhere(mutable))
	how := w.ownerOrCLI(u, "DELETE", "", nil, "user", "remove", u.name)
	u.removed = true
	return fmt.Sprintf("user remove %s (%s)", u.name, how)
}

func stepUserDisable(w *world) string {
	u := pick(w.rng, w.usersWhere(func(u *simUser) bool { return mutable(u) && !u.disabled }))
	how := w.ownerOrCLI(u, "PATCH", "", map[string]any{"disabled": true}, "user", "disable", u.name)
	u.disabled = true
	u.endCreds() // a disable ends sessions and tokens; enabling starts clean
	return fmt.Sprintf("user disable %s (%s)", u.name, how)
}

func stepUserEnable(w *world) string {
	u := pick(w.rng, w.usersWhere(func(u *simUser) bool { return mutable(u) && u.disabled }))
	how := w.ownerOrCLI(u, "PATCH", "", map[string]any{"disabled": false}, "user", "enable", u.name)
	u.disabled = false
	w.session(u)
	return fmt.Sprintf("user enable %s (%s), signed in again", u.name, how)
}

func stepRole(w *world) string {
	u := pick(w.rng, w.usersWhere(mutable))
	var roles []string
	for _, r := range []string{"owner", "member", "viewer"} {
		if r != u.role {
			roles = append(roles, r)
		}
	}
	r := pick(w.rng, roles)
	how := w.ownerOrCLI(u, "PATCH", "", map[string]any{"role": r}, "user", "role", u.name, r)
	old := u.role
	u.role = r
	// Assignments are kept in the model whatever the server does with
	// them: a credential may see less than the model allows, never more.
	return fmt.Sprintf("role %s %s→%s (%s)", u.name, old, r, how)
}

func stepAssign(w *world) string {
	p := pick(w.rng, w.assignable())
	how := w.ownerOrCLI(p.u, "PUT", "/cameras/"+p.c.id, nil, "user", "assign", p.u.name, p.c.id)
	p.u.assigned[p.c.id] = true
	return fmt.Sprintf("assign %s %s (%s)", p.u.name, p.c, how)
}

func stepUnassign(w *world) string {
	p := pick(w.rng, w.assignedPairs())
	how := w.ownerOrCLI(p.u, "DELETE", "/cameras/"+p.c.id, nil, "user", "unassign", p.u.name, p.c.id)
	delete(p.u.assigned, p.c.id)
	return fmt.Sprintf("unassign %s %s (%s)", p.u.name, p.c, how)
}

func stepTokenCreate(w *world) string {
	u := pick(w.rng, w.usersWhere(func(u *simUser) bool { return active(u) && !u.anchor }))
	c := w.token(u)
	return fmt.Sprintf("token create %s #%s", u.name, c.tokenID)
}

func stepTokenRevoke(w *world) string {
	c := pick(w.rng, w.validCreds("token"))
	w.cli("", "token", "revoke", c.tokenID)
	c.valid = false
	return fmt.Sprintf("token revoke %s #%s", c.user.name, c.tokenID)
}

func stepPasswd(w *world) string {
	u := pick(w.rng, w.usersWhere(mutable))
	u.pw = w.secret()
	how := "CLI"
	if w.rng.IntN(2) == 0 {
		w.cli(u.pw+"\n", "user", "passwd", u.name)
	} else {
		how = "admin API"
		code, _, b, err := w.rootAPI().do("PATCH", "/api/admin/users/"+w.userID(u), map[string]any{"password": u.pw})
		if err != nil || code != http.StatusOK {
			w.fail("admin password reset of %s: %d %v %s", u.name, code, err, b)
		}
	}
	u.endCreds() // a reset ends sessions and API tokens
	what := fmt.Sprintf("passwd %s (%s)", u.name, how)
	if active(u) {
		w.session(u)
		what += ", signed in again"
	}
	return what
}

func stepLogin(w *world) string {
	u := pick(w.rng, w.usersWhere(func(u *simUser) bool { return active(u) && !u.anchor }))
	w.session(u)
	return fmt.Sprintf("login %s", u.name)
}

func stepLogout(w *world) string {
	c := pick(w.rng, w.validCreds("session", mutable))
	code, _, b, err := w.as(c).do("POST", "/api/logout", map[string]any{})
	// A disabled user's session may already be refused (401).
	if err != nil || (code != http.StatusOK && code != http.StatusNoContent && code != http.StatusUnauthorized) {
		w.fail("logout %s: %d %v %s", c, code, err, b)
	}
	c.valid = false
	return fmt.Sprintf("logout %s", c)
}

func (w *world) ownerOrCLI(u *simUser, method, sub string, body map[string]any, args ...string) string {
	if w.rng.IntN(2) == 0 {
		w.cli("", args...)
		return "CLI"
	}
	path := "/api/household/members/" + w.userID(u) + sub
	code, _, b, err := w.anchorAPI(u.household).do(method, path, body)
	if err != nil || code < 200 || code > 299 {
		w.fail("%s %s as owner of H%d: %d %v %s", method, path, u.household, code, err, b)
	}
	return "owner API"
}

func (w *world) userID(u *simUser) string {
	code, _, b, err := w.rootAPI().do("GET", "/api/admin/users", nil)
	if err != nil || code != http.StatusOK {
		w.fail("admin users: %d %v %s", code, err, b)
	}
	var v struct {
		Users []struct {
			ID   json.RawMessage `json:"id"`
			Name string          `json:"name"`
		} `json:"users"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		w.fail("admin users: %v: %s", err, b)
	}
	for _, x := range v.Users {
		if x.Name == u.name {
			return strings.Trim(string(x.ID), `"`)
		}
	}
	w.fail("admin users: no %s in %s", u.name, b)
	return ""
}
