//! A function's routes, declared once: served by the Lambda binary without building their
//! OpenAPI description, and described for the docs and the contract tests.
//!
//! `#[utoipa::path]` on each handler gives its path and methods. utoipa-axum's router also
//! builds every operation's description (schemas, examples, responses) when the router is
//! made. A Lambda function would do that work on every cold start, and that code made up a
//! tenth of its package, only to throw the result away. [`crate::routes!`] declares both
//! from one list of handlers, so the served routes and the documented ones cannot drift.

/// Declares `routes()` (an `OpenApiRouter`, for the OpenAPI document) and `plain_routes()`
/// (an axum `Router` with the same handlers at the same paths and methods, what Lambda
/// serves) over state `$state`. Each bracketed group holds the handlers of one path.
#[macro_export]
macro_rules! routes {
    // Handlers are `module::name` paths, taken as identifiers so they can be handed on to
    // utoipa-axum's macro (which cannot take a `path` fragment apart).
    ($state:ty; $( [ $( $($segment:ident)::+ ),+ $(,)? ] ),+ $(,)?) => {
        /// The routes with their OpenAPI description (the docs, the local server's contract).
        pub fn routes() -> utoipa_axum::router::OpenApiRouter<$state> {
            utoipa_axum::router::OpenApiRouter::new()
                $( .routes(utoipa_axum::routes!($( $($segment)::+ ),+)) )+
        }

        /// The same routes without building their description: what the Lambda function
        /// and the local server serve.
        pub fn plain_routes() -> axum::Router<$state> {
            #[allow(unused_imports)]
            use utoipa_axum::PathItemExt as _;
            let router = axum::Router::new();
            $($(
                let router = {
                    let path: String = utoipa_axum::routes!(@path [path()] of $($segment)::+);
                    let methods = utoipa_axum::routes!(@path [methods()] of $($segment)::+);
                    let handler = methods.iter().fold(axum::routing::MethodRouter::new(), |r, m| {
                        r.on(m.to_method_filter(), $($segment)::+)
                    });
                    router.route(&path, handler)
                };
            )+)+
            router
        }
    };
}
