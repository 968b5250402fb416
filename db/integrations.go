package db

import (
	"context"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateIntegration stores an MQTT integration (see nvr.Integration); i.ID
// is assigned. KindConflict when the household, the token or the topic
// prefix already has one; KindNotFound when the household or token is gone.
func (w writes) CreateIntegration(ctx context.Context, i nvr.Integration) (nvr.Integration, error) {
	const op = "create integration"
	res, err := w.c.ExecContext(ctx, `
		INSERT INTO mqtt_integrations (household_id, token_id, topic_prefix, discovery_prefix, created_at_ns)
		VALUES (?, ?, ?, ?, ?)`, int64(i.HouseholdID), i.TokenID, i.TopicPrefix, i.DiscoveryPrefix, ns(i.CreatedAt))
	switch {
	case isForeignKey(err):
		return nvr.Integration{}, notFound(op, "household or token")
	case isUnique(err):
		return nvr.Integration{}, conflict(op, "the household, the topic prefix or the discovery prefix already has an MQTT integration", err)
	case isCheck(err):
		return nvr.Integration{}, invalid(op, "topic and discovery prefixes must be 1-128 bytes", err)
	case err != nil:
		return nvr.Integration{}, internal(op, err)
	}
	if i.ID, err = res.LastInsertId(); err != nil {
		return nvr.Integration{}, internal(op, err)
	}
	i.CreatedAt = fromNs(ns(i.CreatedAt))
	return i, nil
}

// Integrations lists every MQTT integration with its token's user, in
// creation order. It is read on every pass of the MQTT adapter, which then
// asks the policy about each; it never decides anything itself.
func (d *DB) Integrations(ctx context.Context) ([]nvr.Integration, error) {
	const op = "list integrations"
	rows, err := d.reader.QueryContext(ctx, `
		SELECT i.id, i.household_id, i.token_id, t.user_id, i.topic_prefix, i.discovery_prefix, i.created_at_ns
		FROM mqtt_integrations i JOIN api_tokens t ON t.id = i.token_id
		ORDER BY i.id`)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []nvr.Integration
	for rows.Next() {
		var (
			i                 nvr.Integration
			hh, user, created int64
		)
		if err := rows.Scan(&i.ID, &hh, &i.TokenID, &user, &i.TopicPrefix, &i.DiscoveryPrefix, &created); err != nil {
			return nil, internal(op, err)
		}
		i.HouseholdID, i.UserID, i.CreatedAt = nvr.HouseholdID(hh), nvr.UserID(user), fromNs(created)
		out = append(out, i)
	}
	return out, internal(op, rows.Err())
}
