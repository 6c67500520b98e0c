// A missing required field: a tomb visit names its grave. (tsc reports it as TS2322 with
// "Property 'grave' is missing" inside: the generated types are intersections.)
// expect: TS2322
// mentions: Property 'grave' is missing
import createClient from "openapi-fetch";
import type { paths } from "../../minzheng-api.d.ts";

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

await api.POST("/api/v1/tomb-visits", {
  body: { // MISTAKE
    cemetery_id: "luhe-cemetery",
    slot_id: "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71",
    visitors: [{ name: "张伟", id_number: "110112199001010019" }],
  },
});
