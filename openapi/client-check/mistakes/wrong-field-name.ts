// A wrong field name: binding a real name takes `id_number`, not `id_no`.
// expect: TS2353
// mentions: 'id_no' does not exist
import createClient from "openapi-fetch";
import type { paths } from "../../minzheng-api.d.ts";

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

await api.POST("/api/v1/identity/real-name", {
  body: { name: "张伟", id_no: "110112199001010019" }, // MISTAKE
});
