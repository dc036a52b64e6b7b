// Generated from segflow's OpenAPI document by `pnpm client`: do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: 503 once a consumer loop died for good */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 503 while a dependency this process needs does not answer */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics of this process */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ops/consumer-lag": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lag of the consumer groups this process runs, per partition, with a Burrow-style status */
        get: operations["getConsumerLag"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send one event or a batch of up to 1000
         * @description Each event is validated on its own; the valid ones are published to Kafka before the answer. 202 lists the refused ones when at least one was accepted; when none was, 400 lists them all in `rejected` (and their fields, prefixed with `body.` or `body.events[i].`, in `errors`). A resend with the same eventIds is deduplicated, so a 503 can be retried as is.
         */
        post: operations["sendEvents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A customer's profile with derived fields: age, average order value, lead score decayed to now, lifecycle stage, RFM
         * @description An id merged into another customer by an identify event answers 404, naming that customer in `detail`.
         */
        get: operations["getCustomer"];
        put?: never;
        post?: never;
        /**
         * Erase a customer (GDPR): profile, dedupe records, memberships, cache
         * @description The profile is gone when this answers, with the ids merged into it by identify events (their aliases); each membership exits with reason `customer_erased` through the pipeline. Erasing an id that was merged into another customer removes its alias only: what it brought is part of that customer.
         */
        delete: operations["eraseCustomer"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ops/rfm/recompute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Recompute the RFM population quintiles now (they are also recomputed on a schedule) */
        post: operations["recomputeRfm"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scoring-model": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The lead scoring model in force */
        get: operations["getScoringModel"];
        /**
         * Replace the scoring model; applies to events processed from now on
         * @description The model becomes the next version. With If-Match, only when the model in force is still that version; else 412 and nothing changes.
         */
        put: operations["replaceScoringModel"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List segments, a page at a time, by id
         * @description Pass `nextCursor` as `cursor` for the next page; it is null on the last one.
         */
        get: operations["listSegments"];
        put?: never;
        /**
         * Create a segment
         * @description Stores the definition at version 1 and starts a backfill over every stored profile (reason `backfill`). The id defaults to a slug of the name; 409 when it is taken.
         */
        post: operations["createSegment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A segment with its size and last change */
        get: operations["getSegment"];
        /**
         * Replace a definition (new version)
         * @description The definition becomes the next version and a backfill re-evaluates everyone (reason `definition_changed`). With If-Match, only when the segment is still at that version; else 412 and nothing changes.
         */
        put: operations["replaceSegment"];
        post?: never;
        /**
         * Delete a segment; every member exits (reason segment_deleted)
         * @description With If-Match, only when the segment is still at that version; else 412 and nothing changes.
         */
        delete: operations["deleteSegment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments/{id}/backfill": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Progress of the segment's latest backfill */
        get: operations["getSegmentBackfill"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A page of a segment's members, by customer id
         * @description Each with the A/B group it got at entry (null without an experiment); `group` lists one group's members. Pass `nextCursor` as `cursor` for the next page; it is null on the last one.
         */
        get: operations["listSegmentMembers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{id}/segments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The segments a customer is in
         * @description From the read model (Redis), else Postgres. `asOf` is the latest decision the answer reflects. With `at`, the segments the customer was in at that instant, from the membership history (kept for the retention period after each exit); `asOf` is then `at`.
         */
        get: operations["getCustomerSegments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{id}/segment-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A customer's membership intervals, newest entry first
         * @description Every stay in a segment with its entry and exit (null while it lasts), their reasons and the conditions that flipped, kept for the retention period after the exit. Pass `nextCursor` as `cursor` for the next page; it is null on the last one.
         */
        get: operations["getCustomerSegmentHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments/{id}/size-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A segment's size per hour or day, with entries and exits
         * @description One point per step from `from` to `to` (rounded out to whole UTC steps, and kept within the retention period and now): the size at the end of the step and the entries and exits during it. At most 10000 points; 400 beyond that.
         */
        get: operations["getSegmentSizeHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments/{id}/results": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How the members who entered in a period responded, overall and per A/B group
         * @description Counts the entries whose time falls in [from, to) (rounded out to whole UTC hours), and what those members did during that stay: purchases and revenue, the share who purchased, email opens per campaign and the share who opened. A purchase or open counts when the event carrying it is applied while the customer is a member (the one that makes it exit included, the one that makes it enter not).
         */
        get: operations["getSegmentResults"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/segments/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Count and sample who a rule matches; with segmentId, who would enter and exit
         * @description Evaluates the rule over every stored profile now; nothing is stored. 404 when segmentId names no segment.
         */
        post: operations["previewSegment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "segmentId": "shoe-lovers-gone-quiet",
         *       "segmentVersion": 3,
         *       "reason": "definition_changed",
         *       "state": "done",
         *       "processed": 20000,
         *       "total": 20000,
         *       "entered": 312,
         *       "exited": 45,
         *       "ratePerSecond": 13500,
         *       "startedAt": "2026-11-23T10:00:00.000Z",
         *       "finishedAt": "2026-11-23T10:00:01.480Z"
         *     }
         */
        BackfillProgress: {
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            segmentId: string;
            segmentVersion: number;
            /** @enum {string} */
            reason: "backfill" | "definition_changed" | "segment_deleted";
            /** @enum {string} */
            state: "running" | "done" | "superseded";
            processed: number;
            total: number;
            entered: number;
            exited: number;
            ratePerSecond: number;
            /** Format: date-time */
            startedAt: string;
            finishedAt: string | null;
        };
        /** @description One test on a profile field. `field` is `traits.<name>` or a known field (age, purchase.count, …); which `op` and `value` apply depends on the field, and a bad combination is a 400 naming the path. */
        Condition: {
            field: string;
            /** @enum {string} */
            op: "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "between" | "in" | "notIn" | "contains" | "exists" | "notExists" | "withinLast" | "notWithinLast" | "before" | "after";
            value?: unknown;
            window?: string;
            where?: {
                category?: string;
                campaignId?: string;
            };
            compareTo?: {
                window: string;
            };
            /** @enum {string} */
            measure?: "ratio" | "difference" | "current" | "previous";
        };
        /**
         * @description Per consumer group and partition: the committed and end offsets, the lag, and a status in the manner of Burrow.
         * @example {
         *       "groups": [
         *         {
         *           "group": "segflow.segment",
         *           "status": "OK",
         *           "lag": 0,
         *           "observedAt": "2026-11-23T10:00:00.000Z",
         *           "partitions": [
         *             {
         *               "topic": "profile-changes.v1",
         *               "partition": 0,
         *               "committed": 1200,
         *               "end": 1200,
         *               "lag": 0,
         *               "lagSeconds": 0,
         *               "status": "OK"
         *             }
         *           ]
         *         }
         *       ]
         *     }
         */
        ConsumerLag: {
            groups: {
                group: string;
                /** @enum {string} */
                status: "OK" | "WARNING" | "STALLED" | "STOPPED" | "REWIND";
                lag: number;
                observedAt: string | null;
                error?: string;
                partitions: {
                    topic: string;
                    partition: number;
                    committed: number | null;
                    end: number;
                    lag: number;
                    lagSeconds: number;
                    /** @enum {string} */
                    status: "OK" | "WARNING" | "STALLED" | "STOPPED" | "REWIND";
                }[];
            }[];
        };
        /**
         * @description The profile is gone; the membership exits follow.
         * @example {
         *       "customerId": "c-42",
         *       "status": "erased"
         *     }
         */
        CustomerErased: {
            customerId: string;
            /** @constant */
            status: "erased";
        };
        /**
         * @example {
         *       "customerId": "c-42",
         *       "segments": [
         *         {
         *           "segmentId": "shoe-lovers-gone-quiet",
         *           "name": "Shoe lovers gone quiet",
         *           "enteredAt": "2026-11-23T10:00:00.000Z",
         *           "group": "email"
         *         }
         *       ],
         *       "asOf": "2026-11-23T10:00:00.000Z"
         *     }
         */
        CustomerSegments: {
            customerId: string;
            segments: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                segmentId: string;
                name: string;
                /** Format: date-time */
                enteredAt: string;
                group: string | null;
            }[];
            asOf: string | null;
        };
        EmailOpenEvent: {
            eventId: string;
            customerId: string;
            /** Format: date-time */
            occurredAt: string;
            /** @constant */
            type: "email_open";
            campaignId: string;
            messageId?: string;
        };
        /**
         * @description An input event, by `type`.
         * @example {
         *       "eventId": "evt-981",
         *       "type": "purchase",
         *       "customerId": "c-42",
         *       "occurredAt": "2026-11-23T09:59:59.870Z",
         *       "orderId": "o-7731",
         *       "amount": 129.9,
         *       "currency": "EUR",
         *       "items": [
         *         {
         *           "sku": "sku-123",
         *           "category": "shoes",
         *           "quantity": 1,
         *           "price": 129.9
         *         }
         *       ],
         *       "channel": "web"
         *     }
         */
        Event: components["schemas"]["PurchaseEvent"] | components["schemas"]["PageViewEvent"] | components["schemas"]["EmailOpenEvent"] | components["schemas"]["TraitsEvent"] | components["schemas"]["IdentifyEvent"];
        /** @description Up to 1000 events, each validated on its own. */
        EventBatch: {
            events: components["schemas"]["Event"][];
        };
        /**
         * @description How many events were accepted (published to Kafka) and which were refused.
         * @example {
         *       "accepted": 1,
         *       "rejected": []
         *     }
         */
        EventsAccepted: {
            accepted: number;
            rejected: components["schemas"]["RejectedEvent"][];
        };
        /**
         * @description One event, or a batch of up to 1000.
         * @example {
         *       "eventId": "evt-981",
         *       "type": "purchase",
         *       "customerId": "c-42",
         *       "occurredAt": "2026-11-23T09:59:59.870Z",
         *       "orderId": "o-7731",
         *       "amount": 129.9,
         *       "currency": "EUR",
         *       "items": [
         *         {
         *           "sku": "sku-123",
         *           "category": "shoes",
         *           "quantity": 1,
         *           "price": 129.9
         *         }
         *       ],
         *       "channel": "web"
         *     }
         */
        EventsRequest: components["schemas"]["Event"] | components["schemas"]["EventBatch"];
        /**
         * @description An A/B test among the members: each gets one group, by a stable hash of `name` and the customer id, with a chance proportional to its `weight` (group ids unique, weights positive). A holdout is a group like any other.
         * @example {
         *       "name": "win-back-email",
         *       "groups": [
         *         {
         *           "id": "email",
         *           "weight": 90
         *         },
         *         {
         *           "id": "holdout",
         *           "weight": 10
         *         }
         *       ]
         *     }
         */
        Experiment: {
            name: string;
            groups: {
                /** @description An A/B group's id, as the segment's experiment declares it. */
                id: string;
                weight: number;
            }[];
        };
        /**
         * @description An A/B test among the members: each gets one group, by a stable hash of `name` and the customer id, with a chance proportional to its `weight` (group ids unique, weights positive). A holdout is a group like any other.
         * @example {
         *       "name": "win-back-email",
         *       "groups": [
         *         {
         *           "id": "email",
         *           "weight": 90
         *         },
         *         {
         *           "id": "holdout",
         *           "weight": 10
         *         }
         *       ]
         *     }
         */
        ExperimentInput: {
            name: string;
            groups: {
                /** @description An A/B group's id, as the segment's experiment declares it. */
                id: string;
                weight: number;
            }[];
        };
        /** @description A condition whose result flipped: its path in the rule, the value now (`actual`) and at the evaluation before (`was`). */
        ExplanationItem: {
            path: string;
            field: string;
            window?: string;
            compareTo?: {
                window: string;
            };
            /** @enum {string} */
            measure?: "ratio" | "difference" | "current" | "previous";
            /** @enum {string} */
            op: "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "between" | "in" | "notIn" | "contains" | "exists" | "notExists" | "withinLast" | "notWithinLast" | "before" | "after";
            value: unknown;
            actual: unknown;
            was: unknown;
            periods?: {
                actual: {
                    current: number;
                    previous: number;
                };
                was: {
                    current: number;
                    previous: number;
                } | null;
            };
        };
        /** @description One invalid field: its path in the request and what is wrong with it. */
        FieldError: {
            path: string;
            message: string;
        };
        /**
         * @description The anonymous id is the same person as the customer: its profile merges into the customer’s, and later events for it count for the customer. `anonymousId` must differ from `customerId`.
         * @example {
         *       "eventId": "evt-985",
         *       "type": "identify",
         *       "customerId": "c-42",
         *       "occurredAt": "2026-11-23T09:59:59.870Z",
         *       "anonymousId": "anon-7f3a"
         *     }
         */
        IdentifyEvent: {
            eventId: string;
            customerId: string;
            /** Format: date-time */
            occurredAt: string;
            /** @constant */
            type: "identify";
            anonymousId: string;
        };
        /**
         * @description Alive: no consumer loop died; `dead` names the modules whose loop did.
         * @example {
         *       "status": "ok",
         *       "dead": []
         *     }
         */
        Liveness: {
            /** @enum {string} */
            status: "ok" | "dead";
            dead: string[];
        };
        /** @description A stay in a segment: its entry, and its exit (null while it lasts), each with the reason and the conditions that flipped. */
        MembershipInterval: {
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            segmentId: string;
            segmentName: string;
            group: string | null;
            entered: {
                /** Format: date-time */
                at: string;
                reason: ("event" | "time" | "backfill" | "definition_changed" | "segment_deleted" | "customer_erased" | "merged") | null;
                explanation: components["schemas"]["ExplanationItem"][];
            };
            exited: {
                /** Format: date-time */
                at: string;
                /** @enum {string} */
                reason: "event" | "time" | "backfill" | "definition_changed" | "segment_deleted" | "customer_erased" | "merged";
                explanation: components["schemas"]["ExplanationItem"][];
            } | null;
        };
        /** @description A segment definition; `id` defaults to a slug of the name. */
        NewSegment: {
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            id?: string;
            name: string;
            /** @default  */
            description?: string;
            rule: components["schemas"]["Rule"];
            /** @default true */
            enabled?: boolean;
            experiment?: components["schemas"]["ExperimentInput"] | null;
        };
        PageViewEvent: {
            eventId: string;
            customerId: string;
            /** Format: date-time */
            occurredAt: string;
            /** @constant */
            type: "page_view";
            url: string;
            category?: string;
            referrer?: string;
            sessionId?: string;
            utm?: {
                source?: string;
                medium?: string;
                campaign?: string;
                term?: string;
                content?: string;
            };
        };
        /**
         * @description Profiles evaluated, how many match and a sample; with segmentId, who would enter and exit.
         * @example {
         *       "evaluated": 20000,
         *       "count": 431,
         *       "sample": [
         *         "c-42",
         *         "c-77",
         *         "c-90"
         *       ],
         *       "changes": {
         *         "entering": 12,
         *         "exiting": 3,
         *         "sampleEntering": [
         *           "c-42"
         *         ],
         *         "sampleExiting": [
         *           "c-13"
         *         ]
         *       }
         *     }
         */
        Preview: {
            evaluated: number;
            count: number;
            sample: string[];
            changes?: {
                entering: number;
                exiting: number;
                sampleEntering: string[];
                sampleExiting: string[];
            };
        };
        /** @description A rule to try; with segmentId, compared with that segment. */
        PreviewRequest: {
            rule: components["schemas"]["Rule"];
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            segmentId?: string;
            /** @default 10 */
            sampleSize?: number;
        };
        /**
         * @description RFC 9457 problem details, the body of every error (application/problem+json). `type` names the problem (`/problems/<code>` on this API, which describes it), `code` is its short name, `detail` explains this occurrence, `instance` is the request path.
         * @example {
         *       "type": "/problems/validation-failed",
         *       "title": "The request is not valid",
         *       "status": 400,
         *       "detail": "body.rule.all[0].op: Invalid option: expected one of \"eq\"|\"neq\"|…",
         *       "instance": "/v1/segments",
         *       "code": "validation_failed",
         *       "errors": [
         *         {
         *           "path": "body.rule.all[0].op",
         *           "message": "Invalid option: expected one of \"eq\"|\"neq\"|…"
         *         }
         *       ]
         *     }
         */
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            instance?: string;
            code: string;
            errors?: components["schemas"]["FieldError"][];
            rejected?: components["schemas"]["RejectedEvent"][];
        };
        /**
         * @description A customer profile with the fields derived at read time.
         * @example {
         *       "customerId": "c-42",
         *       "version": 118,
         *       "updatedAt": "2026-11-23T10:00:00.000Z",
         *       "traits": {
         *         "email": "jane@example.com",
         *         "firstName": "Jane",
         *         "country": "DE",
         *         "city": "Berlin",
         *         "birthDate": "1990-04-12",
         *         "interests": [
         *           "running"
         *         ],
         *         "consent": {
         *           "email": true
         *         }
         *       },
         *       "age": 36,
         *       "purchase": {
         *         "count": 7,
         *         "total": 1043.5,
         *         "avgOrderValue": 149.07,
         *         "firstAt": "2025-12-02T18:11:00.000Z",
         *         "lastAt": "2026-11-23T09:59:59.870Z",
         *         "categories": {
         *           "shoes": {
         *             "count": 4,
         *             "lastAt": "2026-11-23T09:59:59.870Z",
         *             "total": 620
         *           }
         *         }
         *       },
         *       "pageView": {
         *         "count": 58,
         *         "lastAt": "2026-11-23T09:58:12.000Z",
         *         "categories": {
         *           "shoes": {
         *             "count": 31,
         *             "lastAt": "2026-11-23T09:58:12.000Z"
         *           }
         *         }
         *       },
         *       "emailOpen": {
         *         "count": 12,
         *         "lastAt": "2026-11-02T07:30:00.000Z",
         *         "campaigns": {
         *           "black-friday": {
         *             "count": 2,
         *             "lastAt": "2026-11-02T07:30:00.000Z"
         *           }
         *         }
         *       },
         *       "leadScore": {
         *         "value": 42.7,
         *         "asOf": "2026-11-23T10:00:00.000Z"
         *       },
         *       "lifecycleStage": "retention",
         *       "rfm": {
         *         "recency": 5,
         *         "frequency": 4,
         *         "monetary": 5,
         *         "segment": "champions",
         *         "recencyDays": 0,
         *         "purchases": 7,
         *         "spend": 1043.5
         *       }
         *     }
         */
        Profile: {
            customerId: string;
            version: number;
            /** Format: date-time */
            updatedAt: string;
            traits: {
                /** Format: email */
                email?: string;
                firstName?: string;
                lastName?: string;
                /** Format: date */
                birthDate?: string;
                gender?: string;
                country?: string;
                city?: string;
                postalCode?: string;
                interests?: string[];
                preferredChannel?: string;
                consent?: {
                    email?: boolean;
                    sms?: boolean;
                    push?: boolean;
                };
                custom?: {
                    [key: string]: string | number | boolean;
                };
            };
            age: number | null;
            purchase: {
                count: number;
                total: number;
                avgOrderValue: number | null;
                firstAt: string | null;
                lastAt: string | null;
                categories: {
                    [key: string]: {
                        count: number;
                        /** Format: date-time */
                        lastAt: string;
                        total: number;
                    };
                };
            };
            pageView: {
                count: number;
                lastAt: string | null;
                categories: {
                    [key: string]: {
                        count: number;
                        /** Format: date-time */
                        lastAt: string;
                    };
                };
            };
            emailOpen: {
                count: number;
                lastAt: string | null;
                campaigns: {
                    [key: string]: {
                        count: number;
                        /** Format: date-time */
                        lastAt: string;
                    };
                };
            };
            leadScore: {
                value: number;
                /** Format: date-time */
                asOf: string;
            };
            /** @enum {string} */
            lifecycleStage: "awareness" | "consideration" | "decision" | "retention" | "loyalty";
            rfm: {
                recency: number;
                frequency: number;
                monetary: number;
                /** @enum {string} */
                segment: "champions" | "loyal" | "potential-loyalist" | "new-customers" | "promising" | "need-attention" | "about-to-sleep" | "at-risk" | "cannot-lose-them" | "hibernating" | "lost";
                recencyDays: number;
                purchases: number;
                spend: number;
            } | null;
        };
        /**
         * @example {
         *       "eventId": "evt-981",
         *       "type": "purchase",
         *       "customerId": "c-42",
         *       "occurredAt": "2026-11-23T09:59:59.870Z",
         *       "orderId": "o-7731",
         *       "amount": 129.9,
         *       "currency": "EUR",
         *       "items": [
         *         {
         *           "sku": "sku-123",
         *           "category": "shoes",
         *           "quantity": 1,
         *           "price": 129.9
         *         }
         *       ],
         *       "channel": "web"
         *     }
         */
        PurchaseEvent: {
            eventId: string;
            customerId: string;
            /** Format: date-time */
            occurredAt: string;
            /** @constant */
            type: "purchase";
            orderId: string;
            amount: number;
            currency: string;
            items?: {
                sku: string;
                category?: string;
                quantity: number;
                price: number;
            }[];
            channel?: string;
        };
        /**
         * @description Ready: every check that is not optional passed (Kafka consumers, outbox relays, Postgres; Redis is optional).
         * @example {
         *       "status": "ready",
         *       "checks": [
         *         {
         *           "name": "segment.postgres",
         *           "optional": false,
         *           "ok": true
         *         },
         *         {
         *           "name": "segment.redis",
         *           "optional": true,
         *           "ok": true
         *         }
         *       ]
         *     }
         */
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not_ready";
            checks: {
                name: string;
                optional: boolean;
                ok: boolean;
            }[];
        };
        /** @description A refused event, by its position in the request (0 for a single event), with its field errors. */
        RejectedEvent: {
            index: number;
            eventId?: string;
            errors: components["schemas"]["FieldError"][];
        };
        /** @description What the members who entered in the period did during their stay in the segment. */
        ResultFigures: {
            entered: number;
            purchasers: number;
            purchasedShare: number | null;
            purchases: number;
            purchasesPerMember: number | null;
            revenue: number;
            revenuePerMember: number | null;
            emailOpens: {
                campaignId: string;
                opens: number;
                openers: number;
                openedShare: number | null;
            }[];
        };
        /**
         * @example {
         *       "population": 18200,
         *       "recencyDays": [
         *         12,
         *         35,
         *         80,
         *         160
         *       ],
         *       "frequency": [
         *         1,
         *         1,
         *         2,
         *         4
         *       ],
         *       "monetary": [
         *         25,
         *         60,
         *         140,
         *         380
         *       ]
         *     }
         */
        RfmQuintiles: {
            population: number;
            recencyDays: [
                number,
                number,
                number,
                number
            ];
            frequency: [
                number,
                number,
                number,
                number
            ];
            monetary: [
                number,
                number,
                number,
                number
            ];
        };
        /**
         * @description A segment rule: `all`, `any`, `not` or a condition; at most 16 levels deep, 500 nodes and 65536 bytes.
         * @example {
         *       "all": [
         *         {
         *           "field": "purchase.count",
         *           "op": "gte",
         *           "value": 3,
         *           "window": "30d",
         *           "where": {
         *             "category": "shoes"
         *           }
         *         },
         *         {
         *           "not": {
         *             "field": "emailOpen.lastAt",
         *             "op": "withinLast",
         *             "value": "14d"
         *           }
         *         }
         *       ]
         *     }
         */
        Rule: {
            all: components["schemas"]["Rule"][];
        } | {
            any: components["schemas"]["Rule"][];
        } | {
            not: components["schemas"]["Rule"];
        } | components["schemas"]["Condition"];
        /**
         * @example {
         *       "version": 4,
         *       "halfLifeDays": 30,
         *       "rules": [
         *         {
         *           "id": "pricing-page",
         *           "eventType": "page_view",
         *           "filters": {
         *             "urlPrefix": "/pricing"
         *           },
         *           "points": 5,
         *           "dailyCap": 15
         *         },
         *         {
         *           "id": "any-purchase",
         *           "eventType": "purchase",
         *           "filters": {},
         *           "points": 20
         *         }
         *       ],
         *       "updatedAt": "2026-11-23T10:00:00.000Z"
         *     }
         */
        ScoringModel: {
            version: number;
            halfLifeDays: number;
            rules: components["schemas"]["ScoringRule"][];
            /** Format: date-time */
            updatedAt: string;
        };
        /**
         * @description The new scoring model: it becomes the next version.
         * @example {
         *       "halfLifeDays": 30,
         *       "rules": [
         *         {
         *           "id": "pricing-page",
         *           "eventType": "page_view",
         *           "filters": {
         *             "urlPrefix": "/pricing"
         *           },
         *           "points": 5,
         *           "dailyCap": 15
         *         },
         *         {
         *           "id": "any-purchase",
         *           "eventType": "purchase",
         *           "filters": {},
         *           "points": 20
         *         }
         *       ]
         *     }
         */
        ScoringModelUpdate: {
            /** @default 30 */
            halfLifeDays?: number;
            rules: components["schemas"]["ScoringRuleInput"][];
        };
        ScoringRule: {
            id: string;
            /** @enum {string} */
            eventType: "purchase" | "page_view" | "email_open" | "traits";
            /** @default {} */
            filters: {
                urlPrefix?: string;
                category?: string;
                campaignId?: string;
                minAmount?: number;
            };
            points: number;
            dailyCap?: number;
        };
        ScoringRuleInput: {
            id: string;
            /** @enum {string} */
            eventType: "purchase" | "page_view" | "email_open" | "traits";
            /** @default {} */
            filters?: {
                urlPrefix?: string;
                category?: string;
                campaignId?: string;
                minAmount?: number;
            };
            points: number;
            dailyCap?: number;
        };
        /**
         * @description A segment definition with its size and last membership change.
         * @example {
         *       "id": "shoe-lovers-gone-quiet",
         *       "name": "Shoe lovers gone quiet",
         *       "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
         *       "rule": {
         *         "all": [
         *           {
         *             "field": "purchase.count",
         *             "op": "gte",
         *             "value": 3,
         *             "window": "30d",
         *             "where": {
         *               "category": "shoes"
         *             }
         *           },
         *           {
         *             "not": {
         *               "field": "emailOpen.lastAt",
         *               "op": "withinLast",
         *               "value": "14d"
         *             }
         *           }
         *         ]
         *       },
         *       "enabled": true,
         *       "experiment": {
         *         "name": "win-back-email",
         *         "groups": [
         *           {
         *             "id": "email",
         *             "weight": 90
         *           },
         *           {
         *             "id": "holdout",
         *             "weight": 10
         *           }
         *         ]
         *       },
         *       "version": 3,
         *       "createdAt": "2026-11-01T08:00:00.000Z",
         *       "updatedAt": "2026-11-23T10:00:00.000Z",
         *       "size": 1207,
         *       "lastChangeAt": "2026-11-23T10:00:00.000Z"
         *     }
         */
        Segment: {
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            id: string;
            name: string;
            description: string;
            rule: components["schemas"]["Rule"];
            enabled: boolean;
            experiment: components["schemas"]["Experiment"] | null;
            version: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            size: number;
            lastChangeAt: string | null;
        };
        /**
         * @description A page of a customer's membership intervals, newest entry first.
         * @example {
         *       "customerId": "c-42",
         *       "intervals": [
         *         {
         *           "segmentId": "vip-customers",
         *           "segmentName": "VIP customers",
         *           "group": "email",
         *           "entered": {
         *             "at": "2026-11-23T10:00:00.000Z",
         *             "reason": "event",
         *             "explanation": [
         *               {
         *                 "path": "all[0]",
         *                 "field": "purchase.total",
         *                 "window": "365d",
         *                 "op": "gte",
         *                 "value": 1000,
         *                 "actual": 1043.5,
         *                 "was": 890
         *               }
         *             ]
         *           },
         *           "exited": null
         *         },
         *         {
         *           "segmentId": "lapsed-buyers",
         *           "segmentName": "Lapsed buyers",
         *           "group": null,
         *           "entered": {
         *             "at": "2026-09-01T00:00:00.000Z",
         *             "reason": "time",
         *             "explanation": []
         *           },
         *           "exited": {
         *             "at": "2026-11-23T09:59:58.000Z",
         *             "reason": "event",
         *             "explanation": []
         *           }
         *         }
         *       ],
         *       "nextCursor": null
         *     }
         */
        SegmentHistory: {
            customerId: string;
            intervals: components["schemas"]["MembershipInterval"][];
            nextCursor: string | null;
        };
        /**
         * @description A page of a segment's members by customer id.
         * @example {
         *       "members": [
         *         {
         *           "customerId": "c-42",
         *           "enteredAt": "2026-11-23T10:00:00.000Z",
         *           "group": "email"
         *         }
         *       ],
         *       "nextCursor": "c-42"
         *     }
         */
        SegmentMembers: {
            members: {
                customerId: string;
                enteredAt: string | null;
                group: string | null;
            }[];
            nextCursor: string | null;
        };
        /**
         * @description A page of segments by id.
         * @example {
         *       "segments": [
         *         {
         *           "id": "shoe-lovers-gone-quiet",
         *           "name": "Shoe lovers gone quiet",
         *           "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
         *           "rule": {
         *             "all": [
         *               {
         *                 "field": "purchase.count",
         *                 "op": "gte",
         *                 "value": 3,
         *                 "window": "30d",
         *                 "where": {
         *                   "category": "shoes"
         *                 }
         *               },
         *               {
         *                 "not": {
         *                   "field": "emailOpen.lastAt",
         *                   "op": "withinLast",
         *                   "value": "14d"
         *                 }
         *               }
         *             ]
         *           },
         *           "enabled": true,
         *           "experiment": {
         *             "name": "win-back-email",
         *             "groups": [
         *               {
         *                 "id": "email",
         *                 "weight": 90
         *               },
         *               {
         *                 "id": "holdout",
         *                 "weight": 10
         *               }
         *             ]
         *           },
         *           "version": 3,
         *           "createdAt": "2026-11-01T08:00:00.000Z",
         *           "updatedAt": "2026-11-23T10:00:00.000Z",
         *           "size": 1207,
         *           "lastChangeAt": "2026-11-23T10:00:00.000Z"
         *         }
         *       ],
         *       "nextCursor": null
         *     }
         */
        SegmentPage: {
            segments: components["schemas"]["Segment"][];
            nextCursor: string | null;
        };
        /**
         * @description A segment's results for the members who entered in the period, overall and per A/B group.
         * @example {
         *       "segmentId": "lapsed-buyers",
         *       "from": "2026-11-01T00:00:00.000Z",
         *       "to": "2026-12-01T00:00:00.000Z",
         *       "experiment": "win-back-2026",
         *       "overall": {
         *         "entered": 1000,
         *         "purchasers": 150,
         *         "purchasedShare": 0.15,
         *         "purchases": 200,
         *         "purchasesPerMember": 0.2,
         *         "revenue": 9000,
         *         "revenuePerMember": 9,
         *         "emailOpens": [
         *           {
         *             "campaignId": "win-back-1",
         *             "opens": 610,
         *             "openers": 420,
         *             "openedShare": 0.42
         *           }
         *         ]
         *       },
         *       "groups": [
         *         {
         *           "group": "email",
         *           "entered": 900,
         *           "purchasers": 144,
         *           "purchasedShare": 0.16,
         *           "purchases": 192,
         *           "purchasesPerMember": 0.21333333333333335,
         *           "revenue": 8640,
         *           "revenuePerMember": 9.6,
         *           "emailOpens": [
         *             {
         *               "campaignId": "win-back-1",
         *               "opens": 610,
         *               "openers": 420,
         *               "openedShare": 0.4666666666666667
         *             }
         *           ]
         *         },
         *         {
         *           "group": "holdout",
         *           "entered": 100,
         *           "purchasers": 6,
         *           "purchasedShare": 0.06,
         *           "purchases": 8,
         *           "purchasesPerMember": 0.08,
         *           "revenue": 360,
         *           "revenuePerMember": 3.6,
         *           "emailOpens": []
         *         }
         *       ]
         *     }
         */
        SegmentResults: {
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            segmentId: string;
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            experiment: string | null;
            overall: components["schemas"]["ResultFigures"];
            groups: {
                entered: number;
                purchasers: number;
                purchasedShare: number | null;
                purchases: number;
                purchasesPerMember: number | null;
                revenue: number;
                revenuePerMember: number | null;
                emailOpens: {
                    campaignId: string;
                    opens: number;
                    openers: number;
                    openedShare: number | null;
                }[];
                group: string | null;
            }[];
        };
        /** @description The new definition of a segment: it becomes the next version. */
        SegmentUpdate: {
            name: string;
            /** @default  */
            description?: string;
            rule: components["schemas"]["Rule"];
            /** @default true */
            enabled?: boolean;
            experiment?: components["schemas"]["ExperimentInput"] | null;
        };
        /**
         * @description A segment's size at the end of each step, with the entries and exits of the step.
         * @example {
         *       "segmentId": "vip-customers",
         *       "step": "1d",
         *       "from": "2026-11-21T00:00:00.000Z",
         *       "to": "2026-11-23T00:00:00.000Z",
         *       "points": [
         *         {
         *           "at": "2026-11-21T00:00:00.000Z",
         *           "size": 1180,
         *           "entered": 40,
         *           "exited": 12
         *         },
         *         {
         *           "at": "2026-11-22T00:00:00.000Z",
         *           "size": 1207,
         *           "entered": 31,
         *           "exited": 4
         *         }
         *       ]
         *     }
         */
        SizeHistory: {
            /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
            segmentId: string;
            /** @enum {string} */
            step: "1h" | "1d";
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            points: {
                /** Format: date-time */
                at: string;
                size: number;
                entered: number;
                exited: number;
            }[];
        };
        TraitsEvent: {
            eventId: string;
            customerId: string;
            /** Format: date-time */
            occurredAt: string;
            /** @constant */
            type: "traits";
            traits: {
                /** Format: email */
                email?: string;
                firstName?: string;
                lastName?: string;
                /** Format: date */
                birthDate?: string;
                gender?: string;
                country?: string;
                city?: string;
                postalCode?: string;
                interests?: string[];
                preferredChannel?: string;
                consent?: {
                    email?: boolean;
                    sms?: boolean;
                    push?: boolean;
                };
                custom?: {
                    [key: string]: string | number | boolean;
                };
            };
        };
    };
    responses: {
        /** @description `validation_failed`: A path parameter, query parameter, header or the body failed its schema; errors[] names each invalid field by its path. `invalid_json`: The body could not be parsed as JSON. `invalid_url`: The path or query holds invalid percent-encoding, a control character or a lone surrogate. `bad_request`: The request could not be understood. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/validation-failed",
                 *       "title": "The request is not valid",
                 *       "status": 400,
                 *       "detail": "A path parameter, query parameter, header or the body failed its schema; errors[] names each invalid field by its path.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "validation_failed"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `unauthorized`: The request carries no Authorization: Bearer <key>, or a key that is not configured. */
        Unauthorized: {
            headers: {
                "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/unauthorized",
                 *       "title": "An API key is needed",
                 *       "status": 401,
                 *       "detail": "The request carries no Authorization: Bearer <key>, or a key that is not configured.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "unauthorized"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `forbidden`: The key is valid but does not hold the route's scope. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/forbidden",
                 *       "title": "The API key lacks the scope",
                 *       "status": 403,
                 *       "detail": "The key is valid but does not hold the route's scope.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "forbidden"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `not_found`: No such resource, or no route at that path. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/not-found",
                 *       "title": "Not found",
                 *       "status": 404,
                 *       "detail": "No such resource, or no route at that path.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "not_found"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `conflict`: The resource already exists (a segment id that is taken). */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/conflict",
                 *       "title": "Conflict",
                 *       "status": 409,
                 *       "detail": "The resource already exists (a segment id that is taken).",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "conflict"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `precondition_failed`: If-Match names none of the current ETags: someone else changed the resource since it was read. Read it again, reapply the change and retry with the new ETag. */
        PreconditionFailed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/precondition-failed",
                 *       "title": "The resource has changed",
                 *       "status": 412,
                 *       "detail": "If-Match names none of the current ETags: someone else changed the resource since it was read. Read it again, reapply the change and retry with the new ETag.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "precondition_failed"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `payload_too_large`: The body is larger than the server accepts (1 MiB). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/payload-too-large",
                 *       "title": "The body is too large",
                 *       "status": 413,
                 *       "detail": "The body is larger than the server accepts (1 MiB).",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "payload_too_large"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `unsupported_media_type`: The body is not application/json. */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/unsupported-media-type",
                 *       "title": "Unsupported media type",
                 *       "status": 415,
                 *       "detail": "The body is not application/json.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "unsupported_media_type"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `rate_limited`: The API key (or the client address) spent its budget for the minute; Retry-After says when to retry. */
        TooManyRequests: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/rate-limited",
                 *       "title": "Too many requests",
                 *       "status": 429,
                 *       "detail": "The API key (or the client address) spent its budget for the minute; Retry-After says when to retry.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "rate_limited"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `internal`: An unexpected failure; it is logged. */
        InternalServerError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/internal",
                 *       "title": "Internal error",
                 *       "status": 500,
                 *       "detail": "An unexpected failure; it is logged.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "internal"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `unavailable`: Postgres or Kafka is unreachable or did not answer in time; Retry-After says when to retry. A resend of the same events is deduplicated. */
        ServiceUnavailable: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "/problems/unavailable",
                 *       "title": "A dependency is unavailable",
                 *       "status": 503,
                 *       "detail": "Postgres or Kafka is unreachable or did not answer in time; Retry-After says when to retry. A resend of the same events is deduplicated.",
                 *       "instance": "/v1/segments/vip-customers",
                 *       "code": "unavailable"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The version of the resource, to send back in If-Match. */
        ETag: string;
        /** @description The URL of the resource created. */
        Location: string;
        /** @description Seconds to wait before retrying. */
        "Retry-After": number;
        /** @description The authentication scheme: Bearer. */
        "WWW-Authenticate": "Bearer";
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive: no consumer loop died; `dead` names the modules whose loop did. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok",
                     *       "dead": []
                     *     }
                     */
                    "application/json": components["schemas"]["Liveness"];
                };
            };
            400: components["responses"]["BadRequest"];
            500: components["responses"]["InternalServerError"];
            /** @description Alive: no consumer loop died; `dead` names the modules whose loop did. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok",
                     *       "dead": []
                     *     }
                     */
                    "application/json": components["schemas"]["Liveness"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready: every check that is not optional passed (Kafka consumers, outbox relays, Postgres; Redis is optional). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ready",
                     *       "checks": [
                     *         {
                     *           "name": "segment.postgres",
                     *           "optional": false,
                     *           "ok": true
                     *         },
                     *         {
                     *           "name": "segment.redis",
                     *           "optional": true,
                     *           "ok": true
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            400: components["responses"]["BadRequest"];
            500: components["responses"]["InternalServerError"];
            /** @description Ready: every check that is not optional passed (Kafka consumers, outbox relays, Postgres; Redis is optional). */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ready",
                     *       "checks": [
                     *         {
                     *           "name": "segment.postgres",
                     *           "optional": false,
                     *           "ok": true
                     *         },
                     *         {
                     *           "name": "segment.redis",
                     *           "optional": true,
                     *           "ok": true
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            400: components["responses"]["BadRequest"];
            500: components["responses"]["InternalServerError"];
        };
    };
    getConsumerLag: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Per consumer group and partition: the committed and end offsets, the lag, and a status in the manner of Burrow. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "groups": [
                     *         {
                     *           "group": "segflow.segment",
                     *           "status": "OK",
                     *           "lag": 0,
                     *           "observedAt": "2026-11-23T10:00:00.000Z",
                     *           "partitions": [
                     *             {
                     *               "topic": "profile-changes.v1",
                     *               "partition": 0,
                     *               "committed": 1200,
                     *               "end": 1200,
                     *               "lag": 0,
                     *               "lagSeconds": 0,
                     *               "status": "OK"
                     *             }
                     *           ]
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ConsumerLag"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    sendEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "eventId": "evt-981",
                 *       "type": "purchase",
                 *       "customerId": "c-42",
                 *       "occurredAt": "2026-11-23T09:59:59.870Z",
                 *       "orderId": "o-7731",
                 *       "amount": 129.9,
                 *       "currency": "EUR",
                 *       "items": [
                 *         {
                 *           "sku": "sku-123",
                 *           "category": "shoes",
                 *           "quantity": 1,
                 *           "price": 129.9
                 *         }
                 *       ],
                 *       "channel": "web"
                 *     }
                 */
                "application/json": components["schemas"]["EventsRequest"];
            };
        };
        responses: {
            /** @description How many events were accepted (published to Kafka) and which were refused. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "accepted": 1,
                     *       "rejected": []
                     *     }
                     */
                    "application/json": components["schemas"]["EventsAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id, as events carry it in `customerId`. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A customer profile with the fields derived at read time. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "customerId": "c-42",
                     *       "version": 118,
                     *       "updatedAt": "2026-11-23T10:00:00.000Z",
                     *       "traits": {
                     *         "email": "jane@example.com",
                     *         "firstName": "Jane",
                     *         "country": "DE",
                     *         "city": "Berlin",
                     *         "birthDate": "1990-04-12",
                     *         "interests": [
                     *           "running"
                     *         ],
                     *         "consent": {
                     *           "email": true
                     *         }
                     *       },
                     *       "age": 36,
                     *       "purchase": {
                     *         "count": 7,
                     *         "total": 1043.5,
                     *         "avgOrderValue": 149.07,
                     *         "firstAt": "2025-12-02T18:11:00.000Z",
                     *         "lastAt": "2026-11-23T09:59:59.870Z",
                     *         "categories": {
                     *           "shoes": {
                     *             "count": 4,
                     *             "lastAt": "2026-11-23T09:59:59.870Z",
                     *             "total": 620
                     *           }
                     *         }
                     *       },
                     *       "pageView": {
                     *         "count": 58,
                     *         "lastAt": "2026-11-23T09:58:12.000Z",
                     *         "categories": {
                     *           "shoes": {
                     *             "count": 31,
                     *             "lastAt": "2026-11-23T09:58:12.000Z"
                     *           }
                     *         }
                     *       },
                     *       "emailOpen": {
                     *         "count": 12,
                     *         "lastAt": "2026-11-02T07:30:00.000Z",
                     *         "campaigns": {
                     *           "black-friday": {
                     *             "count": 2,
                     *             "lastAt": "2026-11-02T07:30:00.000Z"
                     *           }
                     *         }
                     *       },
                     *       "leadScore": {
                     *         "value": 42.7,
                     *         "asOf": "2026-11-23T10:00:00.000Z"
                     *       },
                     *       "lifecycleStage": "retention",
                     *       "rfm": {
                     *         "recency": 5,
                     *         "frequency": 4,
                     *         "monetary": 5,
                     *         "segment": "champions",
                     *         "recencyDays": 0,
                     *         "purchases": 7,
                     *         "spend": 1043.5
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Profile"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    eraseCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id, as events carry it in `customerId`. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The profile is gone; the membership exits follow. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "customerId": "c-42",
                     *       "status": "erased"
                     *     }
                     */
                    "application/json": components["schemas"]["CustomerErased"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    recomputeRfm: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "population": 18200,
                     *       "recencyDays": [
                     *         12,
                     *         35,
                     *         80,
                     *         160
                     *       ],
                     *       "frequency": [
                     *         1,
                     *         1,
                     *         2,
                     *         4
                     *       ],
                     *       "monetary": [
                     *         25,
                     *         60,
                     *         140,
                     *         380
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["RfmQuintiles"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getScoringModel: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "version": 4,
                     *       "halfLifeDays": 30,
                     *       "rules": [
                     *         {
                     *           "id": "pricing-page",
                     *           "eventType": "page_view",
                     *           "filters": {
                     *             "urlPrefix": "/pricing"
                     *           },
                     *           "points": 5,
                     *           "dailyCap": 15
                     *         },
                     *         {
                     *           "id": "any-purchase",
                     *           "eventType": "purchase",
                     *           "filters": {},
                     *           "points": 20
                     *         }
                     *       ],
                     *       "updatedAt": "2026-11-23T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ScoringModel"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    replaceScoringModel: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The ETag the change is based on (as a GET or the last change answered it), or `*`. When it names none of the current ETag, nothing changes and the answer is 412. Absent, the change applies whatever the version.
                 * @example "3"
                 */
                "if-match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "halfLifeDays": 30,
                 *       "rules": [
                 *         {
                 *           "id": "pricing-page",
                 *           "eventType": "page_view",
                 *           "filters": {
                 *             "urlPrefix": "/pricing"
                 *           },
                 *           "points": 5,
                 *           "dailyCap": 15
                 *         },
                 *         {
                 *           "id": "any-purchase",
                 *           "eventType": "purchase",
                 *           "filters": {},
                 *           "points": 20
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["ScoringModelUpdate"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "version": 4,
                     *       "halfLifeDays": 30,
                     *       "rules": [
                     *         {
                     *           "id": "pricing-page",
                     *           "eventType": "page_view",
                     *           "filters": {
                     *             "urlPrefix": "/pricing"
                     *           },
                     *           "points": 5,
                     *           "dailyCap": 15
                     *         },
                     *         {
                     *           "id": "any-purchase",
                     *           "eventType": "purchase",
                     *           "filters": {},
                     *           "points": 20
                     *         }
                     *       ],
                     *       "updatedAt": "2026-11-23T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ScoringModel"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listSegments: {
        parameters: {
            query?: {
                /** @description Where the page starts: the `nextCursor` of the page before; absent for the first page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of segments by id. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "segments": [
                     *         {
                     *           "id": "shoe-lovers-gone-quiet",
                     *           "name": "Shoe lovers gone quiet",
                     *           "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
                     *           "rule": {
                     *             "all": [
                     *               {
                     *                 "field": "purchase.count",
                     *                 "op": "gte",
                     *                 "value": 3,
                     *                 "window": "30d",
                     *                 "where": {
                     *                   "category": "shoes"
                     *                 }
                     *               },
                     *               {
                     *                 "not": {
                     *                   "field": "emailOpen.lastAt",
                     *                   "op": "withinLast",
                     *                   "value": "14d"
                     *                 }
                     *               }
                     *             ]
                     *           },
                     *           "enabled": true,
                     *           "experiment": {
                     *             "name": "win-back-email",
                     *             "groups": [
                     *               {
                     *                 "id": "email",
                     *                 "weight": 90
                     *               },
                     *               {
                     *                 "id": "holdout",
                     *                 "weight": 10
                     *               }
                     *             ]
                     *           },
                     *           "version": 3,
                     *           "createdAt": "2026-11-01T08:00:00.000Z",
                     *           "updatedAt": "2026-11-23T10:00:00.000Z",
                     *           "size": 1207,
                     *           "lastChangeAt": "2026-11-23T10:00:00.000Z"
                     *         }
                     *       ],
                     *       "nextCursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["SegmentPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createSegment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "shoe-lovers-gone-quiet",
                 *       "name": "Shoe lovers gone quiet",
                 *       "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
                 *       "rule": {
                 *         "all": [
                 *           {
                 *             "field": "purchase.count",
                 *             "op": "gte",
                 *             "value": 3,
                 *             "window": "30d",
                 *             "where": {
                 *               "category": "shoes"
                 *             }
                 *           },
                 *           {
                 *             "not": {
                 *               "field": "emailOpen.lastAt",
                 *               "op": "withinLast",
                 *               "value": "14d"
                 *             }
                 *           }
                 *         ]
                 *       },
                 *       "enabled": true,
                 *       "experiment": {
                 *         "name": "win-back-email",
                 *         "groups": [
                 *           {
                 *             "id": "email",
                 *             "weight": 90
                 *           },
                 *           {
                 *             "id": "holdout",
                 *             "weight": 10
                 *           }
                 *         ]
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["NewSegment"];
            };
        };
        responses: {
            /** @description A segment definition with its size and last membership change. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "shoe-lovers-gone-quiet",
                     *       "name": "Shoe lovers gone quiet",
                     *       "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
                     *       "rule": {
                     *         "all": [
                     *           {
                     *             "field": "purchase.count",
                     *             "op": "gte",
                     *             "value": 3,
                     *             "window": "30d",
                     *             "where": {
                     *               "category": "shoes"
                     *             }
                     *           },
                     *           {
                     *             "not": {
                     *               "field": "emailOpen.lastAt",
                     *               "op": "withinLast",
                     *               "value": "14d"
                     *             }
                     *           }
                     *         ]
                     *       },
                     *       "enabled": true,
                     *       "experiment": {
                     *         "name": "win-back-email",
                     *         "groups": [
                     *           {
                     *             "id": "email",
                     *             "weight": 90
                     *           },
                     *           {
                     *             "id": "holdout",
                     *             "weight": 10
                     *           }
                     *         ]
                     *       },
                     *       "version": 3,
                     *       "createdAt": "2026-11-01T08:00:00.000Z",
                     *       "updatedAt": "2026-11-23T10:00:00.000Z",
                     *       "size": 1207,
                     *       "lastChangeAt": "2026-11-23T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Segment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getSegment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A segment definition with its size and last membership change. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "shoe-lovers-gone-quiet",
                     *       "name": "Shoe lovers gone quiet",
                     *       "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
                     *       "rule": {
                     *         "all": [
                     *           {
                     *             "field": "purchase.count",
                     *             "op": "gte",
                     *             "value": 3,
                     *             "window": "30d",
                     *             "where": {
                     *               "category": "shoes"
                     *             }
                     *           },
                     *           {
                     *             "not": {
                     *               "field": "emailOpen.lastAt",
                     *               "op": "withinLast",
                     *               "value": "14d"
                     *             }
                     *           }
                     *         ]
                     *       },
                     *       "enabled": true,
                     *       "experiment": {
                     *         "name": "win-back-email",
                     *         "groups": [
                     *           {
                     *             "id": "email",
                     *             "weight": 90
                     *           },
                     *           {
                     *             "id": "holdout",
                     *             "weight": 10
                     *           }
                     *         ]
                     *       },
                     *       "version": 3,
                     *       "createdAt": "2026-11-01T08:00:00.000Z",
                     *       "updatedAt": "2026-11-23T10:00:00.000Z",
                     *       "size": 1207,
                     *       "lastChangeAt": "2026-11-23T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Segment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    replaceSegment: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The ETag the change is based on (as a GET or the last change answered it), or `*`. When it names none of the current ETag, nothing changes and the answer is 412. Absent, the change applies whatever the version.
                 * @example "3"
                 */
                "if-match"?: string;
            };
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Shoe lovers gone quiet",
                 *       "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
                 *       "rule": {
                 *         "all": [
                 *           {
                 *             "field": "purchase.count",
                 *             "op": "gte",
                 *             "value": 3,
                 *             "window": "30d",
                 *             "where": {
                 *               "category": "shoes"
                 *             }
                 *           },
                 *           {
                 *             "not": {
                 *               "field": "emailOpen.lastAt",
                 *               "op": "withinLast",
                 *               "value": "14d"
                 *             }
                 *           }
                 *         ]
                 *       },
                 *       "enabled": true,
                 *       "experiment": {
                 *         "name": "win-back-email",
                 *         "groups": [
                 *           {
                 *             "id": "email",
                 *             "weight": 90
                 *           },
                 *           {
                 *             "id": "holdout",
                 *             "weight": 10
                 *           }
                 *         ]
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["SegmentUpdate"];
            };
        };
        responses: {
            /** @description A segment definition with its size and last membership change. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "shoe-lovers-gone-quiet",
                     *       "name": "Shoe lovers gone quiet",
                     *       "description": "3+ shoe purchases in 30 days and no email opened in 14 days",
                     *       "rule": {
                     *         "all": [
                     *           {
                     *             "field": "purchase.count",
                     *             "op": "gte",
                     *             "value": 3,
                     *             "window": "30d",
                     *             "where": {
                     *               "category": "shoes"
                     *             }
                     *           },
                     *           {
                     *             "not": {
                     *               "field": "emailOpen.lastAt",
                     *               "op": "withinLast",
                     *               "value": "14d"
                     *             }
                     *           }
                     *         ]
                     *       },
                     *       "enabled": true,
                     *       "experiment": {
                     *         "name": "win-back-email",
                     *         "groups": [
                     *           {
                     *             "id": "email",
                     *             "weight": 90
                     *           },
                     *           {
                     *             "id": "holdout",
                     *             "weight": 10
                     *           }
                     *         ]
                     *       },
                     *       "version": 3,
                     *       "createdAt": "2026-11-01T08:00:00.000Z",
                     *       "updatedAt": "2026-11-23T10:00:00.000Z",
                     *       "size": 1207,
                     *       "lastChangeAt": "2026-11-23T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Segment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteSegment: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The ETag the change is based on (as a GET or the last change answered it), or `*`. When it names none of the current ETag, nothing changes and the answer is 412. Absent, the change applies whatever the version.
                 * @example "3"
                 */
                "if-match"?: string;
            };
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getSegmentBackfill: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "segmentId": "shoe-lovers-gone-quiet",
                     *       "segmentVersion": 3,
                     *       "reason": "definition_changed",
                     *       "state": "done",
                     *       "processed": 20000,
                     *       "total": 20000,
                     *       "entered": 312,
                     *       "exited": 45,
                     *       "ratePerSecond": 13500,
                     *       "startedAt": "2026-11-23T10:00:00.000Z",
                     *       "finishedAt": "2026-11-23T10:00:01.480Z"
                     *     }
                     */
                    "application/json": components["schemas"]["BackfillProgress"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listSegmentMembers: {
        parameters: {
            query?: {
                /** @description Where the page starts: the `nextCursor` of the page before; absent for the first page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
                /** @description An A/B group's id, as the segment's experiment declares it. */
                group?: string;
            };
            header?: never;
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of a segment's members by customer id. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "members": [
                     *         {
                     *           "customerId": "c-42",
                     *           "enteredAt": "2026-11-23T10:00:00.000Z",
                     *           "group": "email"
                     *         }
                     *       ],
                     *       "nextCursor": "c-42"
                     *     }
                     */
                    "application/json": components["schemas"]["SegmentMembers"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCustomerSegments: {
        parameters: {
            query?: {
                /** @description An instant (ISO-8601 with offset): the segments the customer was in then, from the membership history. */
                at?: string;
            };
            header?: never;
            path: {
                /** @description A customer id, as events carry it in `customerId`. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "customerId": "c-42",
                     *       "segments": [
                     *         {
                     *           "segmentId": "shoe-lovers-gone-quiet",
                     *           "name": "Shoe lovers gone quiet",
                     *           "enteredAt": "2026-11-23T10:00:00.000Z",
                     *           "group": "email"
                     *         }
                     *       ],
                     *       "asOf": "2026-11-23T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["CustomerSegments"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCustomerSegmentHistory: {
        parameters: {
            query?: {
                /** @description Where the page starts: the `nextCursor` of the page before; absent for the first page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description A customer id, as events carry it in `customerId`. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of a customer's membership intervals, newest entry first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "customerId": "c-42",
                     *       "intervals": [
                     *         {
                     *           "segmentId": "vip-customers",
                     *           "segmentName": "VIP customers",
                     *           "group": "email",
                     *           "entered": {
                     *             "at": "2026-11-23T10:00:00.000Z",
                     *             "reason": "event",
                     *             "explanation": [
                     *               {
                     *                 "path": "all[0]",
                     *                 "field": "purchase.total",
                     *                 "window": "365d",
                     *                 "op": "gte",
                     *                 "value": 1000,
                     *                 "actual": 1043.5,
                     *                 "was": 890
                     *               }
                     *             ]
                     *           },
                     *           "exited": null
                     *         },
                     *         {
                     *           "segmentId": "lapsed-buyers",
                     *           "segmentName": "Lapsed buyers",
                     *           "group": null,
                     *           "entered": {
                     *             "at": "2026-09-01T00:00:00.000Z",
                     *             "reason": "time",
                     *             "explanation": []
                     *           },
                     *           "exited": {
                     *             "at": "2026-11-23T09:59:58.000Z",
                     *             "reason": "event",
                     *             "explanation": []
                     *           }
                     *         }
                     *       ],
                     *       "nextCursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["SegmentHistory"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getSegmentSizeHistory: {
        parameters: {
            query: {
                /** @description The first instant (ISO-8601 with offset), rounded down to a whole step. */
                from: string;
                /** @description The end (ISO-8601 with offset, exclusive), rounded up to a whole step. */
                to: string;
                /** @description One point per UTC hour (`1h`) or UTC day (`1d`). */
                step?: "1h" | "1d";
            };
            header?: never;
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A segment's size at the end of each step, with the entries and exits of the step. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "segmentId": "vip-customers",
                     *       "step": "1d",
                     *       "from": "2026-11-21T00:00:00.000Z",
                     *       "to": "2026-11-23T00:00:00.000Z",
                     *       "points": [
                     *         {
                     *           "at": "2026-11-21T00:00:00.000Z",
                     *           "size": 1180,
                     *           "entered": 40,
                     *           "exited": 12
                     *         },
                     *         {
                     *           "at": "2026-11-22T00:00:00.000Z",
                     *           "size": 1207,
                     *           "entered": 31,
                     *           "exited": 4
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["SizeHistory"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getSegmentResults: {
        parameters: {
            query: {
                /** @description The start of the period (ISO-8601 with offset), rounded down to a whole UTC hour: members who entered from then on count. */
                from: string;
                /** @description The end of the period (ISO-8601 with offset, exclusive), rounded up to a whole UTC hour. */
                to: string;
            };
            header?: never;
            path: {
                /** @description A segment id: a slug of 1-64 characters a-z, 0-9 and "-". */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A segment's results for the members who entered in the period, overall and per A/B group. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "segmentId": "lapsed-buyers",
                     *       "from": "2026-11-01T00:00:00.000Z",
                     *       "to": "2026-12-01T00:00:00.000Z",
                     *       "experiment": "win-back-2026",
                     *       "overall": {
                     *         "entered": 1000,
                     *         "purchasers": 150,
                     *         "purchasedShare": 0.15,
                     *         "purchases": 200,
                     *         "purchasesPerMember": 0.2,
                     *         "revenue": 9000,
                     *         "revenuePerMember": 9,
                     *         "emailOpens": [
                     *           {
                     *             "campaignId": "win-back-1",
                     *             "opens": 610,
                     *             "openers": 420,
                     *             "openedShare": 0.42
                     *           }
                     *         ]
                     *       },
                     *       "groups": [
                     *         {
                     *           "group": "email",
                     *           "entered": 900,
                     *           "purchasers": 144,
                     *           "purchasedShare": 0.16,
                     *           "purchases": 192,
                     *           "purchasesPerMember": 0.21333333333333335,
                     *           "revenue": 8640,
                     *           "revenuePerMember": 9.6,
                     *           "emailOpens": [
                     *             {
                     *               "campaignId": "win-back-1",
                     *               "opens": 610,
                     *               "openers": 420,
                     *               "openedShare": 0.4666666666666667
                     *             }
                     *           ]
                     *         },
                     *         {
                     *           "group": "holdout",
                     *           "entered": 100,
                     *           "purchasers": 6,
                     *           "purchasedShare": 0.06,
                     *           "purchases": 8,
                     *           "purchasesPerMember": 0.08,
                     *           "revenue": 360,
                     *           "revenuePerMember": 3.6,
                     *           "emailOpens": []
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["SegmentResults"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    previewSegment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "rule": {
                 *         "field": "purchase.total",
                 *         "op": "gte",
                 *         "value": 1000,
                 *         "window": "365d"
                 *       },
                 *       "segmentId": "vip-customers",
                 *       "sampleSize": 3
                 *     }
                 */
                "application/json": components["schemas"]["PreviewRequest"];
            };
        };
        responses: {
            /** @description Profiles evaluated, how many match and a sample; with segmentId, who would enter and exit. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "evaluated": 20000,
                     *       "count": 431,
                     *       "sample": [
                     *         "c-42",
                     *         "c-77",
                     *         "c-90"
                     *       ],
                     *       "changes": {
                     *         "entering": 12,
                     *         "exiting": 3,
                     *         "sampleEntering": [
                     *           "c-42"
                     *         ],
                     *         "sampleExiting": [
                     *           "c-13"
                     *         ]
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Preview"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
}
