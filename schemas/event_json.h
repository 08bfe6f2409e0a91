// The JSON form of an event (SPEC §2): used by the event feed, by
// `cityid audit --export jsonl`, and described by schemas/json/*.schema.json.
// Envelope fields sit at the top level; the payload is under "payload".
// Times are RFC 3339 UTC strings; pii_digest is lower-case hex.
#ifndef CITYID_SCHEMAS_EVENT_JSON_H_
#define CITYID_SCHEMAS_EVENT_JSON_H_

#include <boost/json/object.hpp>

#include "schemas/event.h"

namespace cityid {

boost::json::object EventToJson(const Event& event);
boost::json::object PayloadToJson(const Payload& payload);

}  // namespace cityid

#endif  // CITYID_SCHEMAS_EVENT_JSON_H_
