// A misspelt enum value: `business_type` is `marriage`, `divorce` or `reissue`. (tsc says
// TS2820, the TS2322 that adds "Did you mean '"marriage"'?".)
// expect: TS2820
// mentions: "marrige"
import createClient from "openapi-fetch";
import type { paths } from "../../minzheng-api.d.ts";

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

await api.POST("/api/v1/marriage/appointments", {
  body: {
    office_id: "marriage-demo",
    business_type: "marrige", // MISTAKE
    slot_id: "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71",
    parties: [{ name: "张伟", id_number: "110112199001010019" }, { name: "李娜", id_number: "110112199203040028" }],
  },
});
