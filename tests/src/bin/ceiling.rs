//! The benchmark's ceiling: a minimal actix-web server answering every GET with the bytes of
//! one file, held in memory. Endpoints are reported as a fraction of what this serves.
//!
//! `ceiling FILE PORT`

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: ceiling FILE PORT");
        std::process::exit(2);
    };
    let body = web::Bytes::from(std::fs::read(&file)?);
    let content_type = if file.ends_with(".ics") {
        "text/calendar; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    };
    let port: u16 = port.parse().map_err(std::io::Error::other)?;
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move { HttpResponse::Ok().content_type(content_type).body(body) }
        }))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
